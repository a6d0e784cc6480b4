"""Tables of 一网统管 (filled in by the cases domain)."""
