"""The case catalogue (案件分类目录): seed data and CSV/XLSX import/export (service), the snapshot
every report reads (directory), and its administration pages (pages)."""
