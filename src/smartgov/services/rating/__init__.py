"""好差评: one rating per handling, rectification of named 差评, appeals, monthly rates."""
