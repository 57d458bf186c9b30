"""Pure rules of budget performance management: no Django, no database. Decimal in, Decimal out."""
