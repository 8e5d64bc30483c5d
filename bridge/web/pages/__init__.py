"""One module per page (or group of pages), each with `router(bridge) -> APIRouter`; bridge.web.routes
includes every module found here, so a new page is a new file."""
