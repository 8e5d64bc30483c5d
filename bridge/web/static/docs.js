// Swagger UI for /openapi.json (loaded by /docs; kept out of the page so no inline script is needed)
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
