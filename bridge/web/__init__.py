"""Server-rendered Vietnamese pages (Jinja2, no JavaScript build step)."""
