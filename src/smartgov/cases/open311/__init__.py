"""Open311 GeoReport v2 (国际城市诉求接口): the endpoints (views) and the client keys (keys)."""
