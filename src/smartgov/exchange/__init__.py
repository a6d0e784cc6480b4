"""数据共享交换: the resource catalogue (目录体系), requests and field-level grants, the exchange log."""
