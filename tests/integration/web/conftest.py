from tests.integration.api.conftest import client_for, seeded  # noqa: F401  (same seeded bridge and clients)
