//! An application's fields as people name them. A problem the service finds is shown beside its
//! field where the page has one, and otherwise with the field's name, never its key.

use crate::i18n::Tr;

/// `items[3].quantity` as the row index and the cell (`3`, `quantity`); `items[3]` with an
/// empty cell.
pub(super) fn item_cell(field: &str) -> Option<(usize, &str)> {
    let rest = field.strip_prefix("items[")?;
    let (index, tail) = rest.split_once(']')?;
    let index = index.parse().ok()?;
    Some((index, tail.strip_prefix('.').unwrap_or(tail)))
}

/// A line item's cell as its column is headed.
pub(super) fn cell_label(cell: &str, t: Tr) -> &'static str {
    match cell {
        "category" => t.category(),
        "name" => t.item_name(),
        "model" => t.model(),
        "quantity" => t.quantity(),
        "unit_price_fen" | "unit_price" => t.unit_price(),
        "supplier" => t.supplier(),
        "related_party" => t.related_party(),
        "invoice_number" => t.invoice_number(),
        "invoice_date" => t.invoice_date(),
        _ => t.investment_items(),
    }
}

/// Any field of an application as people name it: `items[2].quantity` is "第 3 行 数量".
pub(super) fn label(field: &str, t: Tr) -> String {
    if let Some((index, cell)) = item_cell(field) {
        return t.item_row_cell(index + 1, cell_label(cell, t));
    }
    match field {
        "batch" => t.batch(),
        "project_name" => t.project_name(),
        "upgrade_type" => t.upgrade_type(),
        "starts_on" => t.starts_on(),
        "ends_on" => t.ends_on(),
        "description" => t.description(),
        "expected_output_value_fen" => t.expected_output(),
        "expected_efficiency_gain_percent" => t.expected_efficiency(),
        "expected_energy_saving_tce" => t.expected_energy(),
        "items" => t.investment_items(),
        "attachments" => t.attachments(),
        "comment" => t.comment(),
        _ => t.this_application(),
    }
    .to_owned()
}

/// Problems as "name：message" lines, one per problem.
pub(super) fn labelled(problems: &[(String, String)], t: Tr) -> Vec<String> {
    problems
        .iter()
        .map(|(field, message)| format!("{}{}{message}", label(field, t), t.colon()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhizao_core::Language;

    #[test]
    fn every_field_the_service_names_has_a_label_in_both_languages() {
        let fields = [
            "batch",
            "project_name",
            "upgrade_type",
            "starts_on",
            "ends_on",
            "description",
            "expected_output_value_fen",
            "expected_efficiency_gain_percent",
            "expected_energy_saving_tce",
            "items",
            "attachments",
            "comment",
        ];
        for language in [Language::ZhCn, Language::En] {
            let t = Tr(language);
            for field in fields {
                assert_ne!(label(field, t), t.this_application(), "{field}");
            }
        }
        let zh = Tr(Language::ZhCn);
        assert_eq!(label("items[2].quantity", zh), "第 3 行 数量");
        assert_eq!(
            label("items[0].unit_price_fen", Tr(Language::En)),
            "row 1, Unit price (yuan)"
        );
        assert_eq!(item_cell("items[4]"), Some((4, "")));
        assert_eq!(item_cell("items[x].name"), None);
    }
}
