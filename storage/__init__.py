"""Storage adapter: SQLAlchemy Core tables, repositories, unit of work, outbox queue, migrations, blobs."""
