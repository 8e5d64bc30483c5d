"""The application: use cases, pipeline, relay, edXML, axis, API, CLI and the one composition root."""
