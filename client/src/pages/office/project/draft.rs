//! The project sheet as it is being edited: amounts stay as typed until saved, then are read
//! the way the commune writes them ("20 870 000,00").

use tachkhis_shared::api::programme::{PartnerShare, ProjectInput};
use tachkhis_shared::money::{Mad, parse_mad};

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Draft {
    pub input: ProjectInput,
    /// The status derived from the execution records (issue 15), shown read-only.
    pub current_status: Option<tachkhis_shared::api::execution::CurrentStatus>,
    pub commune: String,
    pub partners_total: String,
    /// One per partner in `input.partners`, as typed.
    pub partner_amounts: Vec<String>,
}

fn show_mad(m: Option<&Mad>) -> String {
    m.map(Mad::format_fr).unwrap_or_default()
}

impl Draft {
    pub fn of(input: &ProjectInput) -> Draft {
        Draft {
            commune: show_mad(input.commune_contribution.as_ref()),
            partners_total: show_mad(input.partners_contribution.as_ref()),
            partner_amounts: input
                .partners
                .iter()
                .map(|p| show_mad(p.amount.as_ref()))
                .collect(),
            input: input.clone(),
            current_status: None,
        }
    }

    /// The input to send, or `None` when an amount cannot be read. Blank partner rows are left
    /// out; with partners, the server takes the sum of their known shares as the partners'
    /// total (a partner without an amount: share not known yet).
    pub fn finish(&self) -> Option<ProjectInput> {
        let amount = |s: &str| -> Result<Option<Mad>, ()> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                parse_mad(s).map(Some).map_err(|_| ())
            }
        };
        let mut input = self.input.clone();
        input.commune_contribution = amount(&self.commune).ok()?;
        let mut partners = Vec::new();
        for (p, a) in input.partners.iter().zip(&self.partner_amounts) {
            if p.name.trim().is_empty() && a.trim().is_empty() {
                continue;
            }
            // A blank amount is a share not known yet.
            partners.push(PartnerShare {
                partner_id: p.partner_id,
                name: p.name.trim().to_string(),
                amount: amount(a).ok()?,
            });
        }
        input.partners = partners;
        input.partners_contribution = if input.partners.is_empty() {
            amount(&self.partners_total).ok()?
        } else {
            None
        };
        input.placeholder = false;
        Some(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mad(s: &str) -> Mad {
        s.parse().unwrap()
    }

    fn partner(name: &str) -> PartnerShare {
        PartnerShare {
            name: name.into(),
            ..PartnerShare::default()
        }
    }

    #[test]
    fn amounts_are_read_as_the_commune_writes_them() {
        let mut d = Draft {
            commune: "20 870 000,00".into(),
            partners_total: "٣٥٠٠٠٠".into(),
            ..Draft::default()
        };
        d.input.placeholder = true;
        let input = d.finish().unwrap();
        assert_eq!(input.commune_contribution, Some(mad("20870000.00")));
        assert_eq!(input.partners_contribution, Some(mad("350000")));
        assert!(!input.placeholder, "a saved sheet is a real project");
        // Blank: no amount.
        d.commune = "  ".into();
        assert_eq!(d.finish().unwrap().commune_contribution, None);
        // Unreadable: nothing is sent.
        d.commune = "20.870,000,00".into();
        assert_eq!(d.finish(), None);
    }

    #[test]
    fn partners_replace_the_total_and_blank_rows_go() {
        let mut d = Draft {
            partners_total: "999".into(),
            partner_amounts: vec!["1 500 000,00".into(), " ".into(), "10".into()],
            ..Draft::default()
        };
        d.input.partners = vec![partner(" ONEE "), partner(""), partner("INDH")];
        let input = d.finish().unwrap();
        assert_eq!(
            input.partners,
            [
                PartnerShare {
                    name: "ONEE".into(),
                    amount: Some(mad("1500000")),
                    ..PartnerShare::default()
                },
                PartnerShare {
                    name: "INDH".into(),
                    amount: Some(mad("10")),
                    ..PartnerShare::default()
                },
            ]
        );
        assert_eq!(input.partners_contribution, None);
        // A partner named without an amount: its share is not known yet.
        d.partner_amounts[2] = String::new();
        assert_eq!(d.finish().unwrap().partners[1].amount, None);
        // An unreadable amount cannot be sent.
        d.partner_amounts[2] = "1.000,000,0".into();
        assert_eq!(d.finish(), None);
    }

    #[test]
    fn a_saved_sheet_reads_back_as_itself() {
        let mut input = ProjectInput {
            commune_contribution: Some(mad("350000.5")),
            partners: vec![PartnerShare {
                partner_id: Some(3),
                name: "ONEE".into(),
                amount: Some(mad("1200000")),
            }],
            ..ProjectInput::default()
        };
        let back = Draft::of(&input).finish().unwrap();
        input.placeholder = false;
        assert_eq!(back, input);
    }
}
