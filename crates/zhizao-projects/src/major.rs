//! Major science-and-technology projects (重大科技专项): the city opens a call with topics,
//! weighted criteria and a budget; enterprises apply; experts are assigned without conflicts of
//! interest and score blind (they see neither the applicant nor each other's scores); scores
//! are aggregated with outliers handled, applications ranked, awards decided within the budget,
//! and awarded projects report against milestones.

mod applications;
mod attachments;
mod awards;
mod calls;
mod experts;
mod model;
mod review;

pub use applications::MAX_PROPOSAL_LINES;
pub use model::{
    AssignmentReport, AwardSummary, BlindReview, BudgetLine, Call, CallInput, CallStatus,
    ExpertProfile, MajorApplication, MajorApplicationDetail, MajorStatus, Milestone,
    PlannedMilestone, Proposal, ProposalInput, RankingRow, ReviewRecord,
};
