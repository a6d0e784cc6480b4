"""基础库: base registries of persons (人口), legal entities (法人), houses (房屋), addresses (地址)."""
