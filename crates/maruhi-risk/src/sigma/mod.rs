//! Sigma rules and correlations (Sigma specification v2) evaluated over the
//! activity-event schema.
