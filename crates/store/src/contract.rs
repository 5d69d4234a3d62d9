//! The contract suite every storage backend must pass, on real databases.
