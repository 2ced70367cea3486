"""Cases (办件) arrive with the case-handling issue; the app is wired now so its settings stay put."""
