"""电子证照: GB/T 36901-style identifiers, signed metadata, PDF rendering and verification."""
