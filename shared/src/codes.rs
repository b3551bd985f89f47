//! Codes: the stable ASCII identifiers stored in documents and SQL (group kinds, sectors,
//! attendance categories); labels live in the client's message catalogues and in the
//! reference endpoint, never in code paths that compare.

use serde::{Deserialize, Serialize};

/// Longest code accepted from outside (a document, a request); longer is not a code.
pub const MAX_CODE_CHARS: usize = 64;

/// What every code enum offers, for code that handles any of them (e.g. reading SQL columns).
pub trait CodeEnum: Sized {
    /// The stable code stored in documents and SQL.
    fn code(&self) -> &str;
    /// Any code: a known one, or `Unknown`.
    fn parse(code: &str) -> Self;
}

/// A code enum: its known codes, and `Unknown(code)` for a code this build does not know (a
/// document or an answer written by a newer app). An unknown code is kept and shown as it is,
/// never refused where it is only read; input that must be valid checks
/// [`from_code`](Sector::from_code), which knows only the known codes. Serialised as the code.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vm])* $variant,)+
            /// A code this build does not know, as it was written.
            Unknown(String),
        }

        impl $name {
            /// Every known code, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in documents and SQL.
            pub fn code(&self) -> &str {
                match self {
                    $($name::$variant => $code,)+
                    $name::Unknown(code) => code,
                }
            }

            /// A known code, or `None` (for input that must be valid).
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Any code: a known one, or `Unknown` (for what is only read).
            pub fn parse(code: &str) -> Self {
                Self::from_code(code).unwrap_or_else(|| $name::Unknown(code.to_string()))
            }

            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl CodeEnum for $name {
            fn code(&self) -> &str {
                $name::code(self)
            }
            fn parse(code: &str) -> Self {
                $name::parse(code)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                if code.chars().count() > MAX_CODE_CHARS {
                    return Err(serde::de::Error::custom(format!(
                        "not a {} code: longer than {MAX_CODE_CHARS} characters",
                        stringify!($name)
                    )));
                }
                Ok(Self::parse(&code))
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some(concat!(
                        "A code: ", $($code, " ",)+
                        "(a newer app may send others)"
                    )))
                    .max_length(Some(MAX_CODE_CHARS))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

code_enum! {
    /// The social group a listening session is held with (product.md, step 2).
    GroupKind {
        Women => "women",
        Men => "men",
        Youth => "youth",
        Disability => "disability",
        Associations => "associations",
        Mixed => "mixed",
    }
}

code_enum! {
    /// Sectors covering the commune's competences (Organic Law 113.14), used to classify
    /// every proposal.
    Sector {
        Roads => "roads",
        DrinkingWater => "drinking_water",
        Electricity => "electricity",
        Sanitation => "sanitation",
        Health => "health",
        Education => "education",
        YouthSports => "youth_sports",
        WomenFamily => "women_family",
        Culture => "culture",
        Economy => "economy",
        Environment => "environment",
        Governance => "governance",
        Social => "social",
    }
}

code_enum! {
    /// Attendance is counted per category; each is an Automerge counter in the document so
    /// that two facilitators counting at the door add up.
    AttendanceCategory {
        Women => "women",
        Men => "men",
        YouthWomen => "youth_women",
        YouthMen => "youth_men",
        DisabledWomen => "disabled_women",
        DisabledMen => "disabled_men",
    }
}

code_enum! {
    /// What a photo of a session shows (the session document's `photos.<hash>.kind`).
    PhotoKind {
        FlipChart => "flip_chart",
        AttendanceSheet => "attendance_sheet",
        Meeting => "meeting",
        Other => "other",
    }
}

code_enum! {
    /// What a project's indicator measures (monitoring system, issue 13): an output (what the
    /// project makes: km of track, classrooms) or a result (what changes for people:
    /// households served, pupils enrolled).
    IndicatorKind {
        Output => "output",
        Result => "result",
    }
}

code_enum! {
    /// What kind of body a funding partner is (`partners.kind`).
    PartnerKind {
        Region => "region",
        Province => "province",
        Ministry => "ministry",
        /// A public body or office (ONEE, ORMVA…).
        PublicBody => "public_body",
        /// The National Initiative for Human Development.
        Indh => "indh",
        /// A cooperation agency.
        Cooperation => "cooperation",
        Association => "association",
        Other => "other",
    }
}

code_enum! {
    /// What kind of named place a territory's place is (`places.kind`).
    PlaceKind {
        River => "river",
        Market => "market",
        School => "school",
        Road => "road",
        HealthCentre => "health_centre",
        Mosque => "mosque",
        /// A spring, a well, a reservoir.
        Water => "water",
        Dam => "dam",
        Other => "other",
    }
}

impl PlaceKind {
    /// Arabic and French names, for the territory file and screen.
    pub fn labels(&self) -> Labels {
        let (ar, fr) = match self {
            PlaceKind::River => ("واد", "Oued"),
            PlaceKind::Market => ("سوق", "Souk"),
            PlaceKind::School => ("مدرسة", "École"),
            PlaceKind::Road => ("طريق", "Route"),
            PlaceKind::HealthCentre => ("مركز صحي", "Centre de santé"),
            PlaceKind::Mosque => ("مسجد", "Mosquée"),
            PlaceKind::Water => ("عين أو بئر", "Source ou puits"),
            PlaceKind::Dam => ("سد", "Barrage"),
            PlaceKind::Other => ("آخر", "Autre"),
            PlaceKind::Unknown(code) => (code.as_str(), code.as_str()),
        };
        Labels {
            ar: ar.into(),
            fr: fr.into(),
        }
    }
}

code_enum! {
    /// Where a proposal stands in consolidation.
    ProposalStatus {
        /// Not yet in a need.
        Unplaced => "unplaced",
        /// In a need.
        Placed => "placed",
        /// Deleted on the tablet: kept, shown as withdrawn, never counted.
        Withdrawn => "withdrawn",
    }
}

code_enum! {
    /// What an office action did, to needs or to the programme's structure (the office log's
    /// `kind`).
    ActionKind {
        Create => "create",
        Merge => "merge",
        Move => "move",
        Split => "split",
        Edit => "edit",
        Link => "link",
        Unlink => "unlink",
        Undo => "undo",
        // The programme's structure (`programme/structure.rs` on the server).
        AxisCreate => "axis_create",
        AxisRename => "axis_rename",
        AxisReorder => "axis_reorder",
        AxisDelete => "axis_delete",
        ProgrammeCreate => "programme_create",
        ProgrammeRename => "programme_rename",
        ProgrammeReorder => "programme_reorder",
        ProgrammeMove => "programme_move",
        ProgrammeDelete => "programme_delete",
    }
}

code_enum! {
    /// A need's field as the log of its edits names it (`need_edits.field`).
    NeedField {
        Title => "title",
        Sector => "sector",
        Description => "description",
        /// Set when a merge closes the need.
        ClosedAt => "closed_at",
        /// The need's creation (its "before" is that it did not exist).
        Created => "created",
    }
}

code_enum! {
    /// Priorities (issue 13, `api::priorities`): where a criterion's scores come from: entered by people, or one figure of the
    /// diagnosis or the project sheet turned into 1-5 by the criterion's thresholds.
    Measure {
        /// Entered per project with a reason (competence, urgency, readiness…).
        Entered => "entered",
        /// Listening sessions that raised a proposal now in one of the project's needs.
        Sessions => "sessions",
        /// Douars those proposals came from (the proposal's douar, else its session's).
        Douars => "douars",
        /// Poles of those sessions.
        Poles => "poles",
        /// Share (%) of those sessions held with women, youth or people with disability.
        WomenVulnerableShare => "women_vulnerable_share",
        /// People present at those sessions.
        People => "people",
        /// The commune's share of the cost as % of its yearly means (lower is better).
        CostShare => "cost_share",
        /// Partners' share (%) of the project's cost.
        PartnersShare => "partners_share",
    }
}

// The council's bodies and their opinions (issue 14, `api::opinions`).
code_enum! {
    /// What a council body is: a standing committee, or the equality, equal opportunity and
    /// gender body (IEECAG, at most one).
    BodyKind {
        Committee => "committee",
        Ieecag => "ieecag",
    }
}

code_enum! {
    /// A body's opinion on the programme or a project.
    Verdict {
        Favourable => "favourable",
        /// Favourable with reservations: the office answers each.
        Reservations => "reservations",
        Unfavourable => "unfavourable",
    }
}

code_enum! {
    /// The office's answer to a reservation: the project changed, or kept as it was.
    AnswerOutcome {
        Changed => "changed",
        Kept => "kept",
    }
}

code_enum! {
    /// The `error` of every API error answer (`{error, message}`).
    ErrorCode {
        BadRequest => "bad_request",
        BadBody => "bad_body",
        BadJson => "bad_json",
        BadFormat => "bad_format",
        BadFilter => "bad_filter",
        BadLabel => "bad_label",
        BadDescription => "bad_description",
        BadId => "bad_id",
        BadQuery => "bad_query",
        BadCredentials => "bad_credentials",
        BadUsername => "bad_username",
        BadPassword => "bad_password",
        BadTitle => "bad_title",
        BadSector => "bad_sector",
        BadImport => "bad_import",
        BadPeer => "bad_peer",
        BadSyncRequest => "bad_sync_request",
        BadSyncMessage => "bad_sync_message",
        DocumentUnreadable => "document_unreadable",
        SyncVersionUnsupported => "sync_version_unsupported",
        TooManyDocuments => "too_many_documents",
        TooManyRows => "too_many_rows",
        TooMany => "too_many",
        InvalidProject => "invalid_project",
        InvalidPartner => "invalid_partner",
        /// Monitoring system (issue 13): an indicator that breaks a rule; the message names
        /// the field (`label_ar`, `targets.2025`…).
        InvalidIndicator => "invalid_indicator",
        /// An axis or programme refused (a name, an order, an axis that does not exist).
        InvalidStructure => "invalid_structure",
        /// The territory: a pole, douar or place that breaks a rule (blank name, bad kind…).
        InvalidTerritory => "invalid_territory",
        /// A pole id the server does not have.
        UnknownPole => "unknown_pole",
        UnknownDouar => "unknown_douar",
        /// A name (or alias) another douar, pole or place of the commune already has.
        DuplicateName => "duplicate_name",
        /// A merge into itself, or into a retired or merged douar.
        BadMerge => "bad_merge",
        /// A merge that would make a douar end up merged into itself.
        MergeCycle => "merge_cycle",
        UnknownProposal => "unknown_proposal",
        WithdrawnProposal => "withdrawn_proposal",
        NotInNeed => "not_in_need",
        PayloadTooLarge => "payload_too_large",
        MethodNotAllowed => "method_not_allowed",
        MissingToken => "missing_token",
        InvalidToken => "invalid_token",
        TokenExpired => "token_expired",
        TokenRevoked => "token_revoked",
        TooManyAttempts => "too_many_attempts",
        /// 503 until the first run's set-up (`/api/setup`, `tachkhis init`) is done.
        SetupRequired => "setup_required",
        /// The set-up code given is not the one the server printed.
        BadSetupCode => "bad_setup_code",
        BadCommune => "bad_commune",
        // People (users managed by the administrator).
        /// 403 until a user given a one-time password has chosen their own
        /// (`POST /api/auth/password`).
        PasswordChangeRequired => "password_change_required",
        /// 409: the change would leave no active administrator.
        LastAdmin => "last_admin",
        BadRole => "bad_role",
        /// 400: the current password given to change it is wrong.
        WrongPassword => "wrong_password",
        /// 409: a user of that name (once folded: case, Arabic spellings) exists.
        UsernameTaken => "username_taken",
        /// 409: an administrator may not deactivate or reset their own account.
        OwnAccount => "own_account",
        // Photos (issue 11).
        /// The bytes received do not hash to the photo's name: nothing is kept.
        PhotoHashMismatch => "photo_hash_mismatch",
        /// Not a JPEG or WebP image (by its first bytes).
        PhotoType => "photo_type",
        /// Over the size a photo may have (`MAX_PHOTO_BYTES`).
        PhotoTooLarge => "photo_too_large",
        /// No session the server holds names this photo.
        UnknownPhoto => "unknown_photo",
        /// A chunk that does not start where the upload stands; the answer says where.
        UploadOffset => "upload_offset",
        // Priorities (issue 13).
        /// A criterion, weight, rule, score or what-if refused (a blank name, a weight over
        /// 100, thresholds not ascending, a score outside 1-5, an unknown criterion…).
        InvalidPriority => "invalid_priority",
        // The procedure (issue 14, proc).
        /// A step, a date, a version's reason or a setting refused; the message names the
        /// field.
        InvalidProcedure => "invalid_procedure",
        /// The vote's counts or result refused (more votes than members present…); the
        /// message names the field.
        InvalidVote => "invalid_vote",
        /// 409: a draft version is open already (one at a time).
        DraftExists => "draft_exists",
        /// 409: the step asks for a version in another state (a vote on a frozen version…).
        VersionState => "version_state",
        /// 415: not a PDF, JPEG or PNG by its first bytes.
        AttachmentType => "attachment_type",
        /// 413: over `MAX_ATTACHMENT_BYTES`.
        AttachmentTooLarge => "attachment_too_large",
        /// An attachment id the server does not have.
        UnknownAttachment => "unknown_attachment",
        // The council's bodies and opinions (issue 14).
        /// A body or its members refused (a blank name, a second IEECAG, a member of the
        /// wrong role, two chairs…).
        InvalidCouncilBody => "invalid_council_body",
        /// An opinion or an answer to it refused (a verdict, a date, a text too long…).
        InvalidOpinion => "invalid_opinion",
        // Six years of follow-up (issue 15, exec).
        /// An execution record, agreement, document, timeline entry, indicator value or
        /// execution import refused; the message names the field (`amounts.1.paid`,
        /// `status_reason`, `end_date`…) and, for the amount rule, the funder and the amounts.
        InvalidExecution => "invalid_execution",
        /// 409: opinions are given on the draft; the version asked for is frozen (voted) or
        /// no draft is open.
        VersionFrozen => "version_frozen",
        Forbidden => "forbidden",
        NotFound => "not_found",
        Conflict => "conflict",
        Internal => "internal",
    }
}

// The procedure (issue 14, proc): the PAC's versions and dated steps, the vote, the rules.
code_enum! {
    /// Why a version was opened.
    VersionKind {
        Initial => "initial",
        /// The update from the PAC's third year (with its reason).
        Update => "update",
        /// The governor asked the council to deliberate again.
        Redeliberation => "redeliberation",
        /// The governor refused the visa.
        AfterRefusal => "after_refusal",
    }
}

code_enum! {
    /// Where a version stands: at most one `draft` (the live programme).
    VersionStatus {
        Draft => "draft",
        /// Adopted by the council: frozen, awaiting the visa.
        Voted => "voted",
        /// Given the governor's visa.
        Executable => "executable",
        Refused => "refused",
        /// A newer version became executable.
        Superseded => "superseded",
    }
}

code_enum! {
    /// A dated step of the procedure (0016's `procedure_steps.kind`), in the procedure's order.
    StepKind {
        LaunchMeeting => "launch_meeting",
        Diagnosis => "diagnosis",
        Ranking => "ranking",
        BureauApproval => "bureau_approval",
        SentToBodies => "sent_to_bodies",
        CouncilSession => "council_session",
        Vote => "vote",
        SentToGovernor => "sent_to_governor",
        Visa => "visa",
        VisaRefused => "visa_refused",
        RedeliberationRequested => "redeliberation_requested",
    }
}

code_enum! {
    /// The council's session: ordinary (February, May, October) or extraordinary.
    SessionKind {
        Ordinary => "ordinary",
        Extraordinary => "extraordinary",
    }
}

code_enum! {
    VoteResult {
        Adopted => "adopted",
        Rejected => "rejected",
    }
}

code_enum! {
    /// The governor's answer.
    VisaOutcome {
        Visa => "visa",
        Refused => "refused",
        Redeliberation => "redeliberation",
    }
}

code_enum! {
    /// A rule of the procedure the "missing or late" list checks (never blocking).
    ProcedureRule {
        /// A step of the procedure not recorded yet.
        StepMissing => "step_missing",
        /// Decree 2.16.301 art. 10: the draft reaches the bodies at least 30 days
        /// (`dispatch_days_before_session`) before the session that votes it.
        DispatchBeforeSession => "dispatch_before_session",
        /// Ordinary sessions are in February, May and October.
        SessionMonth => "session_month",
        /// Decree art. 11: the vote carries the bodies' reports.
        BodyOpinion => "body_opinion",
        /// The quorum of the session that voted.
        Quorum => "quorum",
        /// The visa's legal deadline (`visa_deadline_days`) from the date sent to the governor.
        VisaDeadline => "visa_deadline",
    }
}

code_enum! {
    /// Where a rule stands.
    RuleStatus {
        /// Not due yet: do it by the due date.
        Upcoming => "upcoming",
        /// Due soon or past, and nothing recorded.
        Overdue => "overdue",
        /// Done late, with its reason recorded.
        Late => "late",
        /// Done late, and no reason recorded yet.
        ReasonMissing => "reason_missing",
        /// Not met, without a due date (a body without an opinion, an ordinary session
        /// outside February, May, October, a quorum not met).
        Warning => "warning",
    }
}

impl AttendanceCategory {
    /// Whether the category is part of the head count (youth and disability are subsets of
    /// the women and men present, not extra people).
    pub fn counts_in_total(&self) -> bool {
        matches!(self, AttendanceCategory::Women | AttendanceCategory::Men)
    }
}

/// Labels of a code in the two languages of the interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Labels {
    pub ar: String,
    pub fr: String,
}

impl Sector {
    /// Arabic and French names, used by the reference endpoint and by exports.
    pub fn labels(&self) -> Labels {
        let (ar, fr) = match self {
            Sector::Roads => ("الطرق والمسالك", "Routes et pistes"),
            Sector::DrinkingWater => ("الماء الصالح للشرب", "Eau potable"),
            Sector::Electricity => ("الكهرباء والإنارة العمومية", "Électricité et éclairage"),
            Sector::Sanitation => ("التطهير والنفايات", "Assainissement et déchets"),
            Sector::Health => ("الصحة", "Santé"),
            Sector::Education => ("التعليم والدعم المدرسي", "Éducation et soutien scolaire"),
            Sector::YouthSports => ("الشباب والرياضة", "Jeunesse et sports"),
            Sector::WomenFamily => ("المرأة والأسرة", "Femme et famille"),
            Sector::Culture => ("الثقافة والمكتبات", "Culture et bibliothèques"),
            Sector::Economy => ("الاقتصاد المحلي والفلاحة", "Économie locale et agriculture"),
            Sector::Environment => ("البيئة", "Environnement"),
            Sector::Governance => ("الحكامة والإدارة", "Gouvernance et administration"),
            Sector::Social => ("الشؤون الاجتماعية والإعاقة", "Social et handicap"),
            Sector::Unknown(code) => (code.as_str(), code.as_str()),
        };
        Labels {
            ar: ar.into(),
            fr: fr.into(),
        }
    }
}

impl GroupKind {
    pub fn labels(&self) -> Labels {
        let (ar, fr) = match self {
            GroupKind::Women => ("النساء", "Femmes"),
            GroupKind::Men => ("الرجال", "Hommes"),
            GroupKind::Youth => ("الشباب", "Jeunes"),
            GroupKind::Disability => (
                "الأشخاص في وضعية إعاقة",
                "Personnes en situation de handicap",
            ),
            GroupKind::Associations => ("الجمعيات والتعاونيات", "Associations et coopératives"),
            GroupKind::Mixed => ("مختلطة", "Mixte"),
            GroupKind::Unknown(code) => (code.as_str(), code.as_str()),
        };
        Labels {
            ar: ar.into(),
            fr: fr.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in Sector::ALL {
            assert_eq!(Sector::from_code(s.code()), Some(s.clone()));
            assert_eq!(
                serde_json::to_string(s).unwrap(),
                format!("\"{}\"", s.code())
            );
        }
        for g in GroupKind::ALL {
            assert_eq!(GroupKind::from_code(g.code()), Some(g.clone()));
        }
        for c in AttendanceCategory::ALL {
            assert_eq!(AttendanceCategory::from_code(c.code()), Some(c.clone()));
        }
        assert_eq!(Sector::from_code("nope"), None);
        // A newer app's code: kept, written back as it came, the same JSON.
        let newer: Sector = serde_json::from_str("\"tourism\"").unwrap();
        assert_eq!(newer, Sector::Unknown("tourism".into()));
        assert_eq!(serde_json::to_string(&newer).unwrap(), "\"tourism\"");
        assert!(!newer.is_known());
        assert!(serde_json::from_str::<Sector>(&format!("\"{}\"", "x".repeat(65))).is_err());
    }
}

// Six years of follow-up (issue 15).

code_enum! {
    /// Where a project stands in a budget year (its execution record's status). The statuses
    /// the seed shows are `preparation_started` (شرع في الاعداد لتنفيذ), `executed` (تم تنفيذه)
    /// and `awaiting_execution` (في انتظار التنفيذ). `suspended` and `dropped` need a reason.
    ExecutionStatus {
        Planned => "planned",
        PreparationStarted => "preparation_started",
        UnderWay => "under_way",
        Executed => "executed",
        AwaitingExecution => "awaiting_execution",
        Suspended => "suspended",
        Dropped => "dropped",
    }
}

impl ExecutionStatus {
    /// Whether a record with this status must say why.
    pub fn needs_reason(&self) -> bool {
        matches!(self, ExecutionStatus::Suspended | ExecutionStatus::Dropped)
    }

    pub fn labels(&self) -> Labels {
        let (ar, fr) = match self {
            ExecutionStatus::Planned => ("مبرمج", "Programmé"),
            ExecutionStatus::PreparationStarted => ("شرع في الإعداد لتنفيذه", "Préparation engagée"),
            ExecutionStatus::UnderWay => ("في طور الإنجاز", "En cours de réalisation"),
            ExecutionStatus::Executed => ("تم تنفيذه", "Réalisé"),
            ExecutionStatus::AwaitingExecution => ("في انتظار التنفيذ", "En attente d'exécution"),
            ExecutionStatus::Suspended => ("متوقف", "Suspendu"),
            ExecutionStatus::Dropped => ("ملغى", "Abandonné"),
            ExecutionStatus::Unknown(code) => (code.as_str(), code.as_str()),
        };
        Labels {
            ar: ar.into(),
            fr: fr.into(),
        }
    }
}

code_enum! {
    /// Where a year's money comes from (domain.md, "Funding sources in execution"); each but
    /// `partner_agreement` and `other` names its budget year.
    FundingKind {
        /// The actual surplus of year N (الفائض الحقيقي), from the year-end accounts.
        ActualSurplus => "actual_surplus",
        /// The estimated surplus of year N (الفائض التقديري).
        EstimatedSurplus => "estimated_surplus",
        /// The year's investment budget (the budget's second part).
        Budget => "budget",
        /// A partner's contribution under a partnership agreement.
        PartnerAgreement => "partner_agreement",
        Other => "other",
    }
}

impl FundingKind {
    pub fn labels(&self) -> Labels {
        let (ar, fr) = match self {
            FundingKind::ActualSurplus => ("الفائض الحقيقي", "Excédent réel"),
            FundingKind::EstimatedSurplus => ("الفائض التقديري", "Excédent prévisionnel"),
            FundingKind::Budget => ("الميزانية", "Budget"),
            FundingKind::PartnerAgreement => ("اتفاقية شراكة", "Convention de partenariat"),
            FundingKind::Other => ("مصدر آخر", "Autre source"),
            FundingKind::Unknown(code) => (code.as_str(), code.as_str()),
        };
        Labels {
            ar: ar.into(),
            fr: fr.into(),
        }
    }
}

code_enum! {
    /// A document a project's execution refers to.
    ExecutionDocumentKind {
        CallForTenders => "call_for_tenders",
        Contract => "contract",
        Agreement => "agreement",
        /// The order to start the works (ordre de service).
        ServiceOrder => "service_order",
        /// Reception minutes (provisional or final).
        Reception => "reception",
        Other => "other",
    }
}

code_enum! {
    /// A line of the three-year programming's resources.
    ResourceKind {
        /// The commune's own revenue set aside for investment.
        OwnResources => "own_resources",
        /// The surplus carried from the year before.
        Surplus => "surplus",
        /// A partner's expected contribution.
        Partners => "partners",
        Other => "other",
    }
}
