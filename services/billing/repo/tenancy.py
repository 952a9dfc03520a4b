"""What the kernel's tenant export and purge run against billing's schema."""

from __future__ import annotations

# For the OWNER's export archive; the ledger is the accounting record of the wallet.
EXPORT_QUERIES = {
    "account": "SELECT tenant_id, balance, held, subscription_status, stripe_connect_id, created_at "
               "FROM billing.accounts",
    "ledger": "SELECT id, amount, type, reference_id, note, created_by, hold_id, created_at "
              "FROM billing.credit_transactions ORDER BY created_at, id",
    "holds": "SELECT id, reference_id, amount, ledger_type, status, captured_amount, expires_at, created_at, "
             "resolved_at FROM billing.holds ORDER BY created_at",
    "products": "SELECT id, slug, name, description, price_amount, currency, images, active, inventory, created_at "
                "FROM billing.products ORDER BY created_at",
    "orders": "SELECT id, status, currency, amount_total, application_fee, amount_refunded, items, customer_email, "
              "created_at, paid_at FROM billing.orders ORDER BY created_at",
}
# When the tenant is purged: the account stops and its catalogue goes; its ledger and
# orders stay, as accounting records.
CLOSE_ACCOUNT = "UPDATE billing.accounts SET subscription_status = 'closed', updated_at = now()"
DELETE_PRODUCTS = "DELETE FROM billing.products"
PURGE_TENANT = [CLOSE_ACCOUNT, DELETE_PRODUCTS]
