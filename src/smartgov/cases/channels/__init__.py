"""The staff channels into the one intake (受理渠道): the 12345 hotline screen, the inspector's
phone screen and 上级交办 (pages)."""
