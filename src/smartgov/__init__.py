"""smartgov — 智慧政务一体化平台: one platform for city events, services, sensors and opinion."""

__version__ = "0.1.0"
