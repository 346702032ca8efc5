"""Billing: usage metered from every service, priced by an operator's catalog, one invoice per account."""
