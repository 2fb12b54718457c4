"""Neural networks on chainrule's engine (written by the nn issue)."""
