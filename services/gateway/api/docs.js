// The reference page's one script of its own (the page's CSP allows no inline script):
// Swagger UI (build/api-docs/, `make setup`) renders the merged OpenAPI document.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  window.SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#reference",
    deepLinking: true,
    filter: true,
    tryItOutEnabled: false,
    validatorUrl: "none", // never send the document to swagger.io to be checked
    defaultModelsExpandDepth: 0,
    displayOperationId: true,
    tagsSorter: "alpha",
  });
});
