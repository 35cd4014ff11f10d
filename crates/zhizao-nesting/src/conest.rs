//! Co-nesting across clients: small orders of several enterprises on the same fabric and shade
//! lot share one marker (every piece labelled with its owner), and the fabric the sharing saves
//! is split by a stated rule.
//!
//! **The rule:** each owner is charged a part of the shared marker's length in proportion to the
//! length its pieces would take in a marker of their own (nested the same way), so every owner
//! saves the same percentage and none pays more than alone.

use serde::Serialize;

use crate::engine::{NestOptions, nest};
use crate::marker::Marker;
use crate::model::{Problem, area};
use crate::{Error, Result};

/// One owner's part of a shared marker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerShare {
    /// The owner (an enterprise).
    pub owner: String,
    /// Copies of its pieces in the marker.
    pub copies: usize,
    /// The area of its pieces.
    pub piece_area: f64,
    /// The length of a marker of its pieces alone.
    pub alone_length: f64,
    /// The length it is charged in the shared marker.
    pub charged_length: f64,
    /// `alone_length - charged_length`.
    pub saved_length: f64,
}

/// A shared marker and who pays for what.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoNesting {
    /// The shared marker.
    pub marker: Marker,
    /// Every owner's part, in the order owners first appear.
    pub shares: Vec<OwnerShare>,
    /// The sum of the owners' alone lengths.
    pub alone_total: f64,
    /// The fabric saved, in percent of the alone total (every owner's saving).
    pub saved_percent: f64,
}

/// Nests the owners' pieces together and each owner's alone, and splits the shared length.
pub fn co_nest(problem: &Problem, options: &NestOptions) -> Result<CoNesting> {
    problem.validate()?;
    if let Some(piece) = problem.pieces.iter().find(|p| p.owner.is_none()) {
        return Err(Error::piece(
            &piece.id,
            "co-nesting needs every piece's owner",
        ));
    }
    let mut owners: Vec<String> = Vec::new();
    for piece in &problem.pieces {
        let owner = piece.owner.clone().unwrap_or_default();
        if !owners.contains(&owner) {
            owners.push(owner);
        }
    }
    if owners.len() < 2 {
        return Err(Error::InvalidProblem(
            "co-nesting needs pieces of at least two owners".into(),
        ));
    }
    let marker = nest(problem, options, &mut |_| {})?;
    let mut shares = Vec::with_capacity(owners.len());
    for owner in &owners {
        let own = Problem {
            name: format!("{} ({owner})", problem.name),
            pieces: problem
                .pieces
                .iter()
                .filter(|p| p.owner.as_deref() == Some(owner))
                .cloned()
                .collect(),
            ..problem.clone()
        };
        let alone = nest(&own, options, &mut |_| {})?;
        shares.push(OwnerShare {
            owner: owner.clone(),
            copies: own.copies(),
            piece_area: own
                .pieces
                .iter()
                .map(|p| area(&p.outline).abs() * f64::from(p.demand))
                .sum(),
            alone_length: alone.length,
            charged_length: 0.0,
            saved_length: 0.0,
        });
    }
    let alone_total: f64 = shares.iter().map(|s| s.alone_length).sum();
    // A shared marker longer than the owners' own together would be no use: charge the alone
    // lengths then (nobody saves, nobody loses).
    let shared = marker.length.min(alone_total);
    for share in &mut shares {
        share.charged_length = shared * share.alone_length / alone_total;
        share.saved_length = share.alone_length - share.charged_length;
    }
    Ok(CoNesting {
        saved_percent: 100.0 * (1.0 - shared / alone_total),
        alone_total,
        marker,
        shares,
    })
}
