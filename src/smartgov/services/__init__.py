"""一网通办 government services: item catalogue, one-window acceptance, parallel approval, fees,
signed electronic certificates and 好差评."""
