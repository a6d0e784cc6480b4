"""统一收费: payment notices with a payment code, reconciliation imports."""
