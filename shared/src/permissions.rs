//! Who may do what: one table, read by the server (every handler asks it before reading the
//! request further: 401 without a login, then 403 `forbidden`) and by the client (which hides
//! what a role may not do). [`Role::can`] is the only place a rule is written.
//!
//! | action | admin | facilitator | office | committee | bureau | secretariat | ieecag |
//! |---|:-:|:-:|:-:|:-:|:-:|:-:|:-:|
//! | [`RunSessions`](Action::RunSessions) (the tablet's screens) | ✓ | ✓ | | | | | |
//! | [`SyncSessions`](Action::SyncSessions) | ✓ | ✓ | ✓ | | | | |
//! | [`ReadSessions`](Action::ReadSessions) | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | [`ReadQuarantine`](Action::ReadQuarantine) | ✓ | | ✓ | | | | |
//! | [`ReadProposals`](Action::ReadProposals) | ✓ | | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | [`ReadNeeds`](Action::ReadNeeds) | ✓ | | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | [`Consolidate`](Action::Consolidate) | ✓ | | ✓ | | | | |
//! | [`ReadProgramme`](Action::ReadProgramme) | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | [`EditProgramme`](Action::EditProgramme) | ✓ | | ✓ | | | | |
//! | [`ImportProgramme`](Action::ImportProgramme) | ✓ | | ✓ | | | | |
//! | [`ReadAudit`](Action::ReadAudit) | ✓ | | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | [`ManageDevices`](Action::ManageDevices) | ✓ | | | | | | |
//! | [`ManageUsers`](Action::ManageUsers) | ✓ | | | | | | |
//! | [`ManageTerritory`](Action::ManageTerritory) | ✓ | | ✓ | | | | |
//! | [`UploadPhotos`](Action::UploadPhotos) | ✓ | ✓ | ✓ | | | | |
//! | [`ReadPhotos`](Action::ReadPhotos) | ✓ | | ✓ | | | | |
//! | [`ManagePhotos`](Action::ManagePhotos) | ✓ | | | | | | |
//! | [`Backup`](Action::Backup) | ✓ | | | | | | |
//! | [`ReadPriorities`](Action::ReadPriorities) | ✓ | | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | [`EnterScores`](Action::EnterScores) | ✓ | | ✓ | | ✓ | | |
//! | [`EditCriteria`](Action::EditCriteria) | | | | | ✓ | | |
//! | [`ApproveRanking`](Action::ApproveRanking) | | | | | ✓ | | |
//! | [`ReadProcedure`](Action::ReadProcedure) | ✓ | | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | [`RecordProcedure`](Action::RecordProcedure) | ✓ | | | | | ✓ | |
//! | [`ManageBodies`](Action::ManageBodies) | ✓ | | | | | | |
//! | [`WriteOpinions`](Action::WriteOpinions) (its members only) | | | | ✓ | | | ✓ |
//! | [`AnswerReservations`](Action::AnswerReservations) | ✓ | | ✓ | | | | |
//! | [`ReadExecution`](Action::ReadExecution) | ✓ | | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | [`RecordExecution`](Action::RecordExecution) | ✓ | | ✓ | | | ✓ | |
//! | [`PublishProjects`](Action::PublishProjects) | ✓ | | ✓ | | | | |
//! | [`SetLicence`](Action::SetLicence) | ✓ | | | | | | |
//!
//! An export or a report is a read: it follows the read rule of the rows it holds (the
//! proposals export is [`ReadProposals`](Action::ReadProposals), the needs export and the needs
//! per place [`ReadNeeds`](Action::ReadNeeds)), so no route gives by another door what a role
//! may not read. What needs no rule: health, the OpenAPI document, the reference lists (place
//! names are public) and logging in are open to anyone; logging out ends the caller's own
//! login and needs only that login.
//!
//! Rights that depend on membership rather than role (a council committee that reviews only the
//! projects of its remit, coming later) are a second check beside this table, never in it: the
//! handler asks the table first (the role must allow the action at all), then the domain
//! function checks the membership in the same transaction as the read or write it guards. A
//! membership never gives what the table refuses.
//!
//! The bureau (the council's president and bureau, issue 13) reads what the committee reads
//! and alone decides the ranking: it sets criteria, weights and rules and approves. Those are
//! the council's decisions, so even the administrator may not make them (it may enter a score
//! where no figure exists, as the office does: that is data entry, with its reason kept).
//!
//! From draft to executable programme (issue 14): the secretariat (or the administrator)
//! records the procedure, the vote and the visa; the administrator sets up the council's
//! standing committees and the IEECAG and their members. An opinion is written only by a
//! member of the body that gives it: the role allows the action (committee or ieecag), then
//! the membership is checked in the write's transaction. The office answers reservations.
//!
//! Six years of follow-up (issue 15): the execution records, agreements, timeline, indicator
//! values, three-year programming and evaluation report are read by the council and the office
//! and written by the office, the secretariat (which keeps the budget's papers) and the
//! administrator. The public pages (issue 16) need no login and show only what the office
//! published (`PublishProjects`: a project, each proposal text shown); the open data's licence
//! is the administrator's (`SetLicence`).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Roles decide what a user may do (product.md, "Who uses it").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Facilitator,
    Office,
    Committee,
    /// The council's president and bureau (issue 13).
    Bureau,
    /// The commune's secretariat (the secretary general's staff, issue 14): records the
    /// procedure's dated steps, the council's session, vote and the governor's visa.
    Secretariat,
    /// A member of the equality, equal opportunity and gender body (IEECAG, Law 113.14 art.
    /// 120; issue 14): gives the body's opinion on the programme.
    Ieecag,
}

/// What a user does, as the permission table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Open, record and close sessions on a tablet (the client's tablet screens; the server's
    /// side of it is [`SyncSessions`](Action::SyncSessions)).
    RunSessions,
    /// Send session documents and receive their changes (`/api/sync`, `/api/docs/{id}/sync`).
    /// The office may send too, not only record: it corrects sessions brought on a tablet.
    SyncSessions,
    /// The sessions as the server holds them, with their proposals.
    ReadSessions,
    /// Documents set aside because they break the session schema or the app's limits.
    ReadQuarantine,
    /// The office's proposal table across sessions, a proposal's lineage, the suggested
    /// groupings, and the proposals export.
    ReadProposals,
    /// Needs, a need's detail and history, the consolidation log, the needs per place, the
    /// needs export, and the gender report (counts of proposals, needs and sessions).
    ReadNeeds,
    /// Group proposals into needs: create, merge, split, move, edit a need, link it to a
    /// project or unlink it, reject a suggestion, undo any of these.
    Consolidate,
    /// The programme tree, project sheets, a project's trace back to sessions (the programme's
    /// justification, which the public page will show), the programme table and the projects
    /// export.
    ReadProgramme,
    /// Create, change and delete projects, the funding partners, and the programme's
    /// structure (axes and programmes; its changes are undone through the office's log).
    EditProgramme,
    /// Import projects from a spreadsheet.
    ImportProgramme,
    /// The audit log: logins, devices, consolidation.
    ReadAudit,
    /// List, name and revoke the logins (tablets) of every user.
    ManageDevices,
    /// Create users, reset their passwords, change their role and poles, deactivate and
    /// reactivate them.
    ManageUsers,
    /// Keep the territory: poles, douars, places (create, edit, order, merge, retire,
    /// import and export the territory file).
    ManageTerritory,
    // Photos (issue 11): personal data (names and signatures on sheets, faces), so never
    // to the committee; a facilitator sees only the copy on their own tablet.
    /// Send a session's photos (`/api/photos/status`, `PUT /api/photos/{hash}`).
    UploadPhotos,
    /// A session's photos and their bytes.
    ReadPhotos,
    /// The retention period of photos, and a purge now.
    ManagePhotos,
    /// Download a backup of the whole database (every user's data, password hashes
    /// included), issue 17.
    Backup,
    // Priorities (issue 13).
    /// The criteria, weights, scores with their traces, the ranking, the what-if and the log.
    ReadPriorities,
    /// Enter a score where no figure computes it (competence, urgency…), with a reason.
    EnterScores,
    /// Add, rename, weigh and remove criteria, adjust their rules, set the commune's yearly
    /// means, save a what-if, undo these.
    EditCriteria,
    /// Approve the ranking as it stands (a snapshot kept with who and when).
    ApproveRanking,
    // From draft to executable programme (issue 14).
    /// The procedure's dated steps, the versions and their comparison, the bodies and their
    /// opinions and reports, the vote, the visa, the PAC document.
    ReadProcedure,
    /// Record the procedure's steps (dates, references, signed documents, reasons for a late
    /// step), the council's session and vote, the dispatch to the governor and the visa (or
    /// its refusal); open a new draft version.
    RecordProcedure,
    /// Set up the standing committees and the IEECAG, and their members.
    ManageBodies,
    /// Write a body's opinion on the programme or a project: only the body's members (checked
    /// beside this table, in the write's transaction).
    WriteOpinions,
    /// Answer a body's reservation (the project changed or kept, and why).
    AnswerReservations,
    // Six years of follow-up (issue 15).
    /// Execution records, agreements, a project's timeline and story, indicator values, the
    /// three-year programming, the evaluation report, the dashboards.
    ReadExecution,
    /// Record execution (amounts, funding, status, dates, documents), agreements, timeline
    /// entries, indicator values, the three-year programming's resources, the evaluation's
    /// text; import a year's execution from the budget spreadsheet.
    RecordExecution,
    // The public pages (issue 16).
    /// Publish or withdraw a project's public page, approve or withdraw a proposal text shown
    /// on it.
    PublishProjects,
    /// Set the open data's licence statement.
    SetLicence,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Admin,
        Role::Facilitator,
        Role::Office,
        Role::Committee,
        Role::Bureau,
        Role::Secretariat,
        Role::Ieecag,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Facilitator => "facilitator",
            Role::Office => "office",
            Role::Committee => "committee",
            Role::Bureau => "bureau",
            Role::Secretariat => "secretariat",
            Role::Ieecag => "ieecag",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Role::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// The permission table (the module's doc draws it): one line per action, naming the
    /// roles that may do it, so that a new action does not compile until each role is decided.
    /// Facilitators run sessions; the design office consolidates and builds the programme;
    /// committees read what the office makes and change nothing; the administrator does all,
    /// and alone manages devices and users.
    pub const fn can(self, action: Action) -> bool {
        use Role::*;
        match action {
            Action::RunSessions => matches!(self, Admin | Facilitator),
            Action::SyncSessions => matches!(self, Admin | Facilitator | Office),
            Action::ReadSessions => {
                matches!(
                    self,
                    Admin | Facilitator | Office | Committee | Bureau | Secretariat | Ieecag
                )
            }
            Action::ReadQuarantine => matches!(self, Admin | Office),
            Action::ReadProposals => matches!(
                self,
                Admin | Office | Committee | Bureau | Secretariat | Ieecag
            ),
            Action::ReadNeeds => matches!(
                self,
                Admin | Office | Committee | Bureau | Secretariat | Ieecag
            ),
            Action::Consolidate => matches!(self, Admin | Office),
            Action::ReadProgramme => {
                matches!(
                    self,
                    Admin | Facilitator | Office | Committee | Bureau | Secretariat | Ieecag
                )
            }
            Action::EditProgramme => matches!(self, Admin | Office),
            Action::ImportProgramme => matches!(self, Admin | Office),
            Action::ReadAudit => matches!(
                self,
                Admin | Office | Committee | Bureau | Secretariat | Ieecag
            ),
            Action::ManageDevices => matches!(self, Admin),
            Action::ManageUsers => matches!(self, Admin),
            Action::ManageTerritory => matches!(self, Admin | Office),
            Action::UploadPhotos => matches!(self, Admin | Facilitator | Office),
            Action::ReadPhotos => matches!(self, Admin | Office),
            Action::ManagePhotos => matches!(self, Admin),
            Action::Backup => matches!(self, Admin),
            Action::ReadPriorities => matches!(
                self,
                Admin | Office | Committee | Bureau | Secretariat | Ieecag
            ),
            Action::EnterScores => matches!(self, Admin | Office | Bureau),
            Action::EditCriteria => matches!(self, Bureau),
            Action::ApproveRanking => matches!(self, Bureau),
            Action::ReadProcedure => {
                matches!(
                    self,
                    Admin | Office | Committee | Bureau | Secretariat | Ieecag
                )
            }
            Action::RecordProcedure => matches!(self, Admin | Secretariat),
            Action::ManageBodies => matches!(self, Admin),
            Action::WriteOpinions => matches!(self, Committee | Ieecag),
            Action::AnswerReservations => matches!(self, Admin | Office),
            Action::ReadExecution => matches!(
                self,
                Admin | Office | Committee | Bureau | Secretariat | Ieecag
            ),
            Action::RecordExecution => matches!(self, Admin | Office | Secretariat),
            Action::PublishProjects => matches!(self, Admin | Office),
            Action::SetLicence => matches!(self, Admin),
        }
    }
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::RunSessions,
        Action::SyncSessions,
        Action::ReadSessions,
        Action::ReadQuarantine,
        Action::ReadProposals,
        Action::ReadNeeds,
        Action::Consolidate,
        Action::ReadProgramme,
        Action::EditProgramme,
        Action::ImportProgramme,
        Action::ReadAudit,
        Action::ManageDevices,
        Action::ManageUsers,
        Action::ManageTerritory,
        Action::UploadPhotos,
        Action::ReadPhotos,
        Action::ManagePhotos,
        Action::Backup,
        Action::ReadPriorities,
        Action::EnterScores,
        Action::EditCriteria,
        Action::ApproveRanking,
        Action::ReadProcedure,
        Action::RecordProcedure,
        Action::ManageBodies,
        Action::WriteOpinions,
        Action::AnswerReservations,
        Action::ReadExecution,
        Action::RecordExecution,
        Action::PublishProjects,
        Action::SetLicence,
    ];

    /// The action in words, for the server's 403 message ("… may not {what}").
    pub const fn what(self) -> &'static str {
        match self {
            Action::RunSessions => "run sessions on a tablet",
            Action::SyncSessions => "send session documents",
            Action::ReadSessions => "read the sessions",
            Action::ReadQuarantine => "read the quarantined documents",
            Action::ReadProposals => "read the proposals of all sessions",
            Action::ReadNeeds => "read the needs and the consolidation log",
            Action::Consolidate => "consolidate proposals into needs",
            Action::ReadProgramme => "read the programme",
            Action::EditProgramme => "change the programme",
            Action::ImportProgramme => "import projects",
            Action::ReadAudit => "read the audit log",
            Action::ManageDevices => "manage the devices",
            Action::ManageUsers => "manage the users",
            Action::ManageTerritory => "change the territory (poles, douars, places)",
            Action::UploadPhotos => "send photos of sessions",
            Action::ReadPhotos => "see the photos of sessions",
            Action::ManagePhotos => "manage the photos' retention",
            Action::Backup => "download a backup of the database",
            Action::ReadPriorities => "read the priorities",
            Action::EnterScores => "enter priority scores",
            Action::EditCriteria => "change the priority criteria and weights",
            Action::ApproveRanking => "approve the ranking",
            Action::ReadProcedure => "read the procedure, the opinions and the versions",
            Action::RecordProcedure => "record the procedure's steps, the vote and the visa",
            Action::ManageBodies => "set up the council's committees and the equality body",
            Action::WriteOpinions => "write a body's opinion",
            Action::AnswerReservations => "answer a body's reservations",
            Action::ReadExecution => "read the programme's execution",
            Action::RecordExecution => "record the programme's execution",
            Action::PublishProjects => "publish projects on the public pages",
            Action::SetLicence => "set the open data's licence",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table as the module's doc draws it, row by row (admin, facilitator, office,
    /// committee): the doc and the match cannot drift apart.
    #[test]
    fn the_table_is_the_documented_one() {
        let doc = include_str!("permissions.rs");
        for action in Action::ALL {
            let name = format!("{action:?}");
            let row = doc
                .lines()
                .find(|l| l.starts_with(&format!("//! | [`{name}`]")))
                .unwrap_or_else(|| panic!("{name} has a row in the module's table"));
            let marks: Vec<bool> = row
                .split('|')
                .skip(2)
                .take(Role::ALL.len())
                .map(|cell| cell.trim() == "✓")
                .collect();
            let table: Vec<bool> = Role::ALL.iter().map(|r| r.can(*action)).collect();
            assert_eq!(marks, table, "{name}: the doc's row and Role::can");
        }
    }

    #[test]
    fn roles_read_back_from_their_codes() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(*role));
        }
        assert_eq!(Role::from_code("root"), None);
    }
}
