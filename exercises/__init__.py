"""YAML exercises: write a manifest in the browser, validated as you type, graded by rules."""
