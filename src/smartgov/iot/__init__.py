"""物联感知: device profiles, devices, telemetry over MQTT and HTTP, rules, alarms and energy."""
