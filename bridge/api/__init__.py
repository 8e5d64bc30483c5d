"""FastAPI app: JSON API, health, and (later) the Provincial Office dashboard."""
