//! Training that happened before the platform kept it (the demo's years of courses): written
//! straight into the tables by the demo loader, never by a handler.
