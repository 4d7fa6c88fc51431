"""Course content on disk: loading with line numbers, validation, syncing.

Each Django app contributes a loader for its kind of content (chapters,
later quiz banks, exercises and labs); ``check_content`` and
``load_content`` run them all.
"""
