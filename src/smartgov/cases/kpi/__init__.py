"""绩效评价 of the case hub: subjects, columns and their SQL (service), the stored weights
(models) and the performance pages (pages); the generic scoring is smartgov.scoring."""
