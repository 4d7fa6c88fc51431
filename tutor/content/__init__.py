"""The registry of content kinds: check_content and load_content over all of them."""
