//! No input makes the importer panic: random bytes, and valid CSV and XLSX files with bytes
//! flipped, cut or inserted, go through reading, mapping and checking (proptest; the failing
//! case is shrunk and printed if one is ever found).

use std::sync::OnceLock;

use herald::import::{mapping, read_bytes, validate};
use proptest::prelude::*;

/// Everything an import does short of the store: it must return, never panic.
fn run(bytes: &[u8], encoding: Option<&str>) {
    if let Ok(sheet) = read_bytes(bytes, encoding) {
        let _ = sheet.preview(5);
        let m = mapping::suggest(&sheet.headers);
        let _ = validate::check(&sheet, &m);
    }
}

fn csv_seed() -> Vec<u8> {
    "\u{feff}学号/工号,姓名,手机,邮箱,接收方式,标签,宿舍\n\
     2024001,王小明,+86 138-1234-5678,wxm@example.edu.cn,\"邮件;短信\",党员、班干部,\"3号楼,\n201\"\n\
     2024002,,1.38001E+10,bad,鸽子,,\n\n\
     2024001,李雷,１３９１２３４５６７８,a@b.cn,wecom,,x,extra\n"
        .as_bytes()
        .to_vec()
}

fn xlsx_seed() -> &'static [u8] {
    static SEED: OnceLock<Vec<u8>> = OnceLock::new();
    SEED.get_or_init(|| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["工号", "姓名", "手机", "备注"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_number(1, 0, 110101199003077777.0).unwrap();
        ws.write_string(1, 1, "王小明").unwrap();
        ws.write_number(1, 2, 13812345678.0).unwrap();
        ws.write_string(2, 0, "0024").unwrap();
        ws.write_string(2, 1, "李雷").unwrap();
        ws.write_number(2, 2, 1.5).unwrap();
        ws.write_boolean(2, 3, true).unwrap();
        wb.save_to_buffer().unwrap()
    })
}

/// Flips, cuts and inserts bytes of `seed` at the given places.
fn mutate(seed: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for &(at, kind, byte) in edits {
        if out.is_empty() {
            out.push(byte);
            continue;
        }
        let at = at % out.len();
        match kind % 4 {
            0 => out[at] ^= byte | 1,
            1 => out.insert(at, byte),
            2 => {
                out.remove(at);
            }
            _ => out.truncate(at),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        run(&bytes, None);
        run(&bytes, Some("gbk"));
    }

    #[test]
    fn mutated_csv(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12)) {
        run(&mutate(&csv_seed(), &edits), None);
    }

    #[test]
    fn mutated_xlsx(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6)) {
        run(&mutate(xlsx_seed(), &edits), None);
    }

    #[test]
    fn any_cell_text(cells in proptest::collection::vec("\\PC{0,24}", 7)) {
        let mut text = String::from("学号,姓名,手机,邮箱,接收方式,标签,语言\n");
        let quoted: Vec<String> = cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
        text.push_str(&quoted.join(","));
        run(text.as_bytes(), None);
    }
}
