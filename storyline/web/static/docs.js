// Starts Swagger UI on /docs over this server's OpenAPI description. A file of its own, not an
// inline script, so that the page's Content-Security-Policy can forbid inline scripts.
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
