"""cms's SQL, the only place it lives: one module per area (pages, versions, forms,
projections, generations, delivery, tenant_data), each statement a named constant beside the one
function that runs it. Row-level security scopes every statement to the transaction's tenant."""

from __future__ import annotations
