"""事项目录 / 实施清单: service items, their materials and application forms, versioned."""
