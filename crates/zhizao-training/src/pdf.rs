//! A certificate as a one-page PDF (A4 landscape), pure. The text uses the CJK font every PDF
//! viewer provides for simplified Chinese (STSong-Light, Adobe-GB1, UTF-16 encoded), so nothing
//! is embedded and the file stays a few kilobytes; a ToUnicode map keeps the text searchable and
//! copyable. A QR code of the verification address lets anyone check it with a phone.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

/// What a certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateText {
    /// The code anyone verifies it by.
    pub code: String,
    /// Who holds it.
    pub holder: String,
    /// The course completed.
    pub course: String,
    /// Credit hours.
    pub hours: i64,
    /// Who gave the course.
    pub provider: String,
    /// When it was issued (a date, Beijing time).
    pub issued_on: String,
    /// Where it is verified (an absolute URL, or a path when the site's address is unknown).
    pub verify_url: String,
}

const WIDTH: f32 = 842.0;
const HEIGHT: f32 = 595.0;
const FONT: Name<'static> = Name(b"F1");

/// The width of `text` at `size`: Latin letters half an em, everything else a full em (the
/// widths the font is declared with).
fn text_width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
        .sum::<f32>()
        * size
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// Writes `text` at `size` centred on the page at height `y`.
fn centred(content: &mut Content, text: &str, size: f32, y: f32) {
    let x = (WIDTH - text_width(text, size)) / 2.0;
    left(content, text, size, x, y);
}

fn left(content: &mut Content, text: &str, size: f32, x: f32, y: f32) {
    content
        .begin_text()
        .set_font(FONT, size)
        .next_line(x, y)
        .show(Str(&utf16(text)))
        .end_text();
}

/// The PDF of a certificate.
pub fn certificate(text: &CertificateText) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let page_id = Ref::new(3);
    let font = Ref::new(4);
    let cid_font = Ref::new(5);
    let descriptor = Ref::new(6);
    let contents = Ref::new(7);
    let cmap = Ref::new(8);
    let info = Ref::new(9);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
        .parent(tree)
        .contents(contents);
    page.resources().fonts().pair(FONT, font);
    page.finish();

    let lines = [
        "结业证书".to_owned(),
        "Certificate of Completion".to_owned(),
        text.holder.clone(),
        format!(
            "完成课程《{}》，共 {} 学时，经考核合格，特发此证。",
            text.course, text.hours
        ),
        format!("has completed the course ({} hours)", text.hours),
        text.provider.clone(),
        format!("颁发日期 Issued {}", text.issued_on),
        format!("证书编号 Certificate No. {}", text.code),
        format!("查验 Verify: {}", text.verify_url),
    ];

    let mut content = Content::new();
    // A double frame.
    content
        .set_stroke_rgb(0.62, 0.11, 0.11)
        .set_line_width(3.0)
        .rect(24.0, 24.0, WIDTH - 48.0, HEIGHT - 48.0)
        .stroke()
        .set_line_width(1.0)
        .rect(34.0, 34.0, WIDTH - 68.0, HEIGHT - 68.0)
        .stroke();
    content.set_fill_rgb(0.62, 0.11, 0.11);
    centred(&mut content, &lines[0], 40.0, 480.0);
    centred(&mut content, &lines[1], 16.0, 452.0);
    content.set_fill_rgb(0.0, 0.0, 0.0);
    centred(&mut content, &lines[2], 30.0, 380.0);
    centred(&mut content, &lines[3], 15.0, 330.0);
    centred(&mut content, &lines[4], 12.0, 306.0);
    centred(&mut content, &lines[5], 16.0, 240.0);
    centred(&mut content, &lines[6], 12.0, 214.0);
    left(&mut content, &lines[7], 10.0, 60.0, 80.0);
    left(&mut content, &lines[8], 10.0, 60.0, 62.0);
    draw_qr(
        &mut content,
        &text.verify_url,
        WIDTH - 60.0 - 96.0,
        56.0,
        96.0,
    );
    let stream = content.finish();
    pdf.stream(contents, &stream);

    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"GB1"),
        supplement: 2,
    };
    pdf.type0_font(font)
        .base_font(Name(b"STSong-Light-UniGB-UTF16-H"))
        .encoding_predefined(Name(b"UniGB-UTF16-H"))
        .descendant_font(cid_font)
        .to_unicode(cmap);
    let mut cid = pdf.cid_font(cid_font);
    cid.subtype(CidFontType::Type0)
        .base_font(Name(b"STSong-Light"))
        .system_info(system_info)
        .font_descriptor(descriptor)
        .default_width(1000.0);
    // Adobe-GB1 CIDs 1–95 are the printable ASCII characters, which UniGB-UTF16-H maps them to.
    cid.widths().consecutive(1, [500.0; 95]);
    cid.finish();
    pdf.font_descriptor(descriptor)
        .name(Name(b"STSong-Light"))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(880.0)
        .stem_v(93.0);

    // Character codes are UTF-16 code units: map each one used back to its character.
    let mut map = UnicodeCmap::new(Name(b"Zhizao-UTF16"), system_info);
    let mut used: Vec<char> = lines.iter().flat_map(|l| l.chars()).collect();
    used.sort_unstable();
    used.dedup();
    for c in used.into_iter().filter(|c| u32::from(*c) <= 0xFFFF) {
        map.pair(u16::try_from(u32::from(c)).unwrap_or(0), c);
    }
    pdf.cmap(cmap, &map.finish())
        .filter(Filter::FlateDecode)
        .finish();
    pdf.document_info(info)
        .title(pdf_writer::TextStr(&format!("{} {}", lines[0], text.code)))
        .producer(pdf_writer::TextStr("Zhizao"));
    pdf.finish()
}

/// Draws the QR code of `data` as filled squares, `size` points wide, lower left at (x, y).
fn draw_qr(content: &mut Content, data: &str, x: f32, y: f32, size: f32) {
    let Ok(code) = qrcode::QrCode::new(data.as_bytes()) else {
        return;
    };
    let modules = code.width();
    let colors = code.to_colors();
    let cell = size / modules as f32;
    content.set_fill_rgb(0.0, 0.0, 0.0);
    for (index, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (row, column) = (index / modules, index % modules);
            content.rect(
                x + column as f32 * cell,
                y + size - (row + 1) as f32 * cell,
                cell,
                cell,
            );
        }
    }
    content.fill_nonzero();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> CertificateText {
        CertificateText {
            code: "ZZC-7KQ2-M9XD".into(),
            holder: "陈小明".into(),
            course: "工业机器人打磨编程".into(),
            hours: 16,
            provider: "中山市共享打磨抛光平台".into(),
            issued_on: "2026-12-07".into(),
            verify_url: "https://zhizao.example/certificates/verify?code=ZZC-7KQ2-M9XD".into(),
        }
    }

    fn find(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// The text of every literal string the content shows (`(…) Tj`), decoded from PDF string
    /// escapes and UTF-16.
    fn shown_text(pdf: &[u8]) -> String {
        let mut units = Vec::new();
        let mut index = 0;
        while let Some(offset) = pdf[index..].iter().position(|b| *b == b'(') {
            let mut at = index + offset + 1;
            let mut raw = Vec::new();
            let mut depth = 0;
            while at < pdf.len() {
                match pdf[at] {
                    b'\\' => {
                        at += 1;
                        let digits = pdf[at..]
                            .iter()
                            .take(3)
                            .take_while(|b| b.is_ascii_digit())
                            .count();
                        if digits > 0 {
                            let octal = std::str::from_utf8(&pdf[at..at + digits]).unwrap();
                            raw.push(u8::from_str_radix(octal, 8).unwrap());
                            at += digits;
                            continue;
                        }
                        raw.push(match pdf[at] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            other => other,
                        });
                    }
                    b'(' => {
                        depth += 1;
                        raw.push(b'(');
                    }
                    b')' if depth > 0 => {
                        depth -= 1;
                        raw.push(b')');
                    }
                    b')' => break,
                    other => raw.push(other),
                }
                at += 1;
            }
            if pdf[at + 1..].starts_with(b" Tj") || pdf[at + 1..].starts_with(b"Tj") {
                units.extend(
                    raw.chunks(2)
                        .map(|p| u16::from_be_bytes([p[0], *p.get(1).unwrap_or(&0)])),
                );
                units.push(u16::from(b'\n'));
            }
            index = at + 1;
        }
        // Strings with many bytes outside ASCII are written in hex: `<…> Tj`.
        for piece in pdf.split(|b| *b == b'<').skip(1) {
            let Some(end) = piece.iter().position(|b| *b == b'>') else {
                continue;
            };
            if !piece[end + 1..].starts_with(b" Tj") || end % 4 != 0 {
                continue;
            }
            let Ok(hex) = std::str::from_utf8(&piece[..end]) else {
                continue;
            };
            for i in (0..hex.len()).step_by(4) {
                units.push(u16::from_str_radix(&hex[i..i + 4], 16).unwrap_or(0));
            }
            units.push(u16::from(b'\n'));
        }
        String::from_utf16_lossy(&units)
    }

    #[test]
    fn the_certificate_is_one_page_with_its_text_in_the_standard_chinese_font() {
        let bytes = certificate(&example());
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.ends_with(b"%%EOF") || bytes.ends_with(b"%%EOF\n"));
        assert!(find(&bytes, b"/Count 1"), "one page");
        assert!(find(&bytes, b"/STSong-Light"));
        assert!(find(&bytes, b"/UniGB-UTF16-H"));
        // The content stream shows the holder, the course and the code.
        let shown = shown_text(&bytes);
        for text in ["陈小明", "工业机器人打磨编程", "ZZC-7KQ2-M9XD", "16 学时"] {
            assert!(shown.contains(text), "{text} is on the page: {shown}");
        }
        // Another holder makes another file.
        let other = certificate(&CertificateText {
            holder: "李华".into(),
            ..example()
        });
        assert_ne!(bytes, other);
    }

    #[test]
    fn latin_text_is_half_as_wide_as_chinese() {
        assert_eq!(text_width("ab", 10.0), 10.0);
        assert_eq!(text_width("证书", 10.0), 20.0);
    }
}
