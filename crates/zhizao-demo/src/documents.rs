//! The documents the demo's applications carry: one small PDF per attachment their batch
//! requires, saying what it stands for, so that a reviewer opening one sees a document and not
//! an error. The text is set in STSong-Light, one of the Chinese fonts every PDF reader
//! provides without embedding.

use std::path::Path;

use zhizao_core::Timestamp;
use zhizao_core::files::FileKind;
use zhizao_db::Database;
use zhizao_factory::documents::FilePurpose;

use crate::Error;

/// Gives each submitted application of the published batches the documents its batch
/// requires, under the platform's attachment directory `root`. Returns how many files were
/// written; applications that carry attachments already are left as they are.
pub async fn attach_documents(db: &Database, root: &Path, now: Timestamp) -> Result<usize, Error> {
    let applications: Vec<(i64, String, String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT a.id, a.number, a.project_name, e.name, b.required_attachments, a.submitted_at FROM project_applications a \
         JOIN project_batches b ON b.id = a.batch_id JOIN enterprises e ON e.id = a.enterprise_id \
         WHERE b.status = 'published' AND a.status <> 'draft' \
         AND NOT EXISTS (SELECT 1 FROM project_attachments p WHERE p.application_id = a.id) ORDER BY a.id",
    )
    .fetch_all(db.pool())
    .await
    .map_err(zhizao_db::Error::from)?;
    let mut written = 0;
    let mut transaction = db.begin().await?;
    for (id, number, project, enterprise, required, submitted_at) in applications {
        // Uploaded while the draft was written, before it was submitted.
        let uploaded_at = submitted_at.map_or(now, |at| Timestamp::from_millis(at - 3_600_000));
        let required: Vec<String> = serde_json::from_str(&required).unwrap_or_default();
        for purpose in required {
            let document = pdf(&[
                &purpose,
                &enterprise,
                &format!("申报编号：{number}"),
                &format!("项目：{project}"),
                "演示数据生成的示例文件，不是真实证照。",
            ]);
            zhizao_projects::history::insert_attachment(
                &mut transaction,
                root,
                id,
                &purpose,
                &format!("{purpose}.pdf"),
                document,
                uploaded_at,
                "demo",
            )
            .await?;
            written += 1;
        }
    }
    transaction.commit().await?;
    Ok(written)
}

/// Gives the first confirmed demo order of each shared factory the file a client sends with
/// it: the polishing order a drawing (PDF), the cutting order its pattern pieces (DXF as garment
/// CAD exports them), under `root`/factory-orders. Returns how many files were written.
pub async fn attach_order_files(
    db: &Database,
    root: &Path,
    now: Timestamp,
) -> Result<usize, Error> {
    let orders: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT f.id, f.number, f.process, f.family FROM factory_orders f WHERE f.status = 'confirmed' \
         AND f.id = (SELECT MIN(o.id) FROM factory_orders o WHERE o.platform_id = f.platform_id AND o.status = 'confirmed') \
         AND NOT EXISTS (SELECT 1 FROM factory_order_files x WHERE x.order_id = f.id) ORDER BY f.id",
    )
    .fetch_all(db.pool())
    .await
    .map_err(zhizao_db::Error::from)?;
    let root = root.join("factory-orders");
    let mut transaction = db.begin().await?;
    let mut written = 0;
    for (id, number, process, family) in orders {
        let (purpose, file_name, kind, bytes) = if process == "cutting" {
            (
                FilePurpose::Pattern,
                format!("{number} 纸样.dxf"),
                FileKind::Dxf,
                pattern_dxf(&family),
            )
        } else {
            (
                FilePurpose::Drawing,
                format!("{number} {family}加工图纸.pdf"),
                FileKind::Pdf,
                pdf(&[
                    &format!("{family}加工图纸"),
                    &format!("订单：{number}"),
                    "抛光面：外表面镜面，Ra ≤ 0.05 μm；内腔不抛光",
                    "演示数据生成的示例文件，不是真实图纸。",
                ]),
            )
        };
        zhizao_factory::documents::insert_file(
            &mut transaction,
            &root,
            zhizao_factory::documents::NewFile {
                order_id: id,
                purpose,
                file_name: &file_name,
                kind,
                bytes,
                at: now,
                by: "demo",
            },
        )
        .await?;
        written += 1;
    }
    transaction.commit().await?;
    Ok(written)
}

/// A small DXF of two pattern pieces (front and back of a shirt body, in millimetres) the way
/// garment CAD systems export them: one block per piece with its boundary as a closed polyline
/// and the piece's name as text.
fn pattern_dxf(fabric: &str) -> Vec<u8> {
    let mut out = String::from("999\nZhizao demo pattern export\n0\nSECTION\n2\nBLOCKS\n");
    for (name, points) in [
        ("FRONT", [(0, 0), (520, 0), (560, 700), (0, 720)]),
        ("BACK", [(0, 0), (540, 0), (560, 740), (0, 740)]),
    ] {
        out.push_str(&format!(
            "0\nBLOCK\n8\n1\n2\n{name}\n70\n0\n10\n0.0\n20\n0.0\n0\nPOLYLINE\n8\n1\n66\n1\n70\n1\n"
        ));
        for (x, y) in points {
            out.push_str(&format!("0\nVERTEX\n8\n1\n10\n{x}.0\n20\n{y}.0\n"));
        }
        out.push_str(&format!(
            "0\nSEQEND\n0\nTEXT\n8\n1\n10\n100.0\n20\n300.0\n40\n20.0\n1\nPiece Name: {name}\n\
             0\nTEXT\n8\n1\n10\n100.0\n20\n260.0\n40\n20.0\n1\nMaterial: {fabric}\n0\nENDBLK\n"
        ));
    }
    out.push_str("0\nENDSEC\n0\nEOF\n");
    out.into_bytes()
}

/// A one-page A4 PDF with `lines` (the first as a heading).
pub(crate) fn pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT\n/F1 20 Tf\n72 760 Td\n");
    for (index, line) in lines.iter().enumerate() {
        if index == 1 {
            content.push_str("/F1 12 Tf\n0 -40 Td\n");
        } else if index > 1 {
            content.push_str("0 -22 Td\n");
        }
        // UCS-2, big-endian, as the UniGB-UCS2-H encoding reads it (characters outside the
        // basic plane are left out).
        let hex: String = line
            .chars()
            .filter(|c| u32::from(*c) <= 0xFFFF)
            .map(|c| format!("{:04X}", u32::from(c)))
            .collect();
        content.push_str(&format!("<{hex}> Tj\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>"
            .to_owned(),
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light \
         /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /DW 1000 /W [1 95 500] /FontDescriptor 7 0 R >>"
            .to_owned(),
        "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] \
         /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"
            .to_owned(),
    ];
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (index, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::{FileKind, pattern_dxf, pdf};

    #[test]
    fn a_generated_document_is_a_pdf_whose_cross_references_point_at_its_objects() {
        let document = pdf(&["营业执照", "中山市某某电器有限公司"]);
        assert!(document.starts_with(b"%PDF-1.4"));
        assert!(zhizao_projects::attachments::check_upload("营业执照.pdf", &document).is_ok());
        let tail = String::from_utf8_lossy(&document[document.len() - 40..]).into_owned();
        let start: usize = tail
            .rsplit("startxref\n")
            .next()
            .and_then(|rest| rest.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        let table = std::str::from_utf8(&document[start..]).expect("the table is ASCII");
        assert!(table.starts_with("xref"));
        let entries: Vec<usize> = table
            .lines()
            .skip(3)
            .take(7)
            .map(|line| line[..10].parse().unwrap())
            .collect();
        for (index, offset) in entries.iter().enumerate() {
            assert!(
                document[*offset..].starts_with(format!("{} 0 obj", index + 1).as_bytes()),
                "object {} at {offset}",
                index + 1
            );
        }
        let text = String::from_utf8_lossy(&document);
        // The heading is there in UCS-2: 营 is U+8425.
        assert!(text.contains("<8425"));
    }

    #[test]
    fn the_demo_pattern_is_a_dxf_by_its_content() {
        let pattern = pattern_dxf("针织布");
        assert_eq!(
            zhizao_core::files::check_upload("p.dxf", &pattern, &[FileKind::Dxf], 1 << 20),
            Ok(FileKind::Dxf)
        );
        assert_eq!(
            String::from_utf8_lossy(&pattern)
                .matches("0\nBLOCK\n")
                .count(),
            2
        );
    }
}
