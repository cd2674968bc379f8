//! Checks of whole sheets (readers + mapping + validation), without a store.

use super::*;

fn problems(csv: &str) -> (validate::Checked, Vec<(u32, String, &'static str)>) {
    let sheet = read_bytes(csv.as_bytes(), None).unwrap();
    let mapping = sheet.mapping(None).unwrap();
    let checked = validate::check(&sheet, &mapping);
    let list = checked
        .problems
        .iter()
        .map(|p| (p.row, p.column.clone(), p.code.as_str()))
        .collect();
    (checked, list)
}

#[test]
fn each_fault_is_named_by_row_and_column() {
    let csv = "学号,姓名,邮箱,手机,接收方式\n\
               1,甲,a@x.cn,13812345678,邮件;短信\n\
               2,,b@x.cn,,\n\
               3,丙,not-mail,1.38001E+10,\n\
               1,丁,d@x.cn,010-12345678,鸽子\n";
    let (checked, list) = problems(csv);
    assert_eq!(
        list,
        [
            (2, "学号".into(), "duplicate_id"),
            (3, "姓名".into(), "name_missing"),
            (4, "邮箱".into(), "email_invalid"),
            (4, "手机".into(), "excel_float"),
            (5, "手机".into(), "mobile_not_mobile"),
            (5, "接收方式".into(), "unknown_channel"),
            (5, "学号".into(), "duplicate_id"),
        ]
    );
    assert_eq!(checked.rejected, 4);
    assert!(checked.rows.is_empty());
}

#[test]
fn a_good_row_becomes_a_full_upsert() {
    let csv = "工号,姓名,院系,手机,接收方式,标签,宿舍\nT01,王小明,农学院,+86 138-1234-5678,企业微信、email,班干部;党员；班干部,3号楼\n";
    let (checked, list) = problems(csv);
    assert!(list.is_empty(), "{list:?}");
    let (row, rec) = &checked.rows[0];
    assert_eq!(*row, 2);
    assert_eq!(rec.external_id.as_deref(), Some("T01"));
    assert_eq!(rec.fields, [("department", Some("农学院".to_owned()))]);
    assert_eq!(rec.addresses, [("mobile", Some("+8613812345678".to_owned()))]);
    assert_eq!(
        rec.preferred.as_deref(),
        Some(&["wecom_app".to_owned(), "wecom_robot".into(), "smtp".into()][..])
    );
    assert_eq!(rec.tags.as_deref(), Some(&["班干部".to_owned(), "党员".into()][..]));
    assert_eq!(rec.attributes, [("宿舍".to_owned(), Some("3号楼".to_owned()))]);
}

#[test]
fn excel_errors_unnamed_columns_and_odd_cells_are_named() {
    let rows = vec![
        sheet::SheetRow {
            row: 1,
            cells: vec![
                Cell::Text("工号".into()),
                Cell::Text("姓名".into()),
                Cell::Empty,
                Cell::Text("生日".into()),
            ],
        },
        sheet::SheetRow {
            row: 2,
            cells: vec![
                Cell::Text("T1".into()),
                Cell::Error("#NA".into()),
                Cell::Text("note".into()),
                Cell::Other("2024-09-01".into()),
            ],
        },
        sheet::SheetRow {
            row: 3,
            cells: vec![
                Cell::Number(1.5),
                Cell::Text("乙".into()),
                Cell::Empty,
                Cell::Other("TRUE".into()),
            ],
        },
        sheet::SheetRow {
            row: 4,
            cells: vec![
                Cell::Text("T4".into()),
                Cell::Text("丙\u{fffd}".into()),
                Cell::Empty,
                Cell::Empty,
            ],
        },
    ];
    let sheet = sheet::from_rows(SourceFormat::Workbook, rows, 0).unwrap();
    let mapping = sheet.mapping(None).unwrap();
    assert_eq!(mapping[2], ColumnTarget::Ignore);
    let checked = validate::check(&sheet, &mapping);
    let list: Vec<(u32, String, &str)> = checked
        .problems
        .iter()
        .map(|p| (p.row, p.column.clone(), p.code.as_str()))
        .collect();
    assert_eq!(
        list,
        [
            (1, "column C".to_owned(), "unnamed_column"),
            (2, "姓名".to_owned(), "cell_error"),
            (3, "工号".to_owned(), "precision_lost"),
            (4, "姓名".to_owned(), "encoding_damage"),
        ]
    );
    assert_eq!(checked.rejected, 3);
}

#[test]
fn attributes_templates_cannot_name_are_kept_with_a_warning() {
    let (checked, list) = problems("工号,姓名,备注(1),宿舍,2班,class_rep\nT1,甲,x,y,z,w\n");
    assert_eq!(
        list,
        [
            (1, "备注(1)".to_owned(), "attribute_not_variable"),
            (1, "2班".to_owned(), "attribute_not_variable"),
        ]
    );
    assert_eq!(checked.rows[0].1.attributes.len(), 4);
}

#[test]
fn a_title_row_above_the_headers_is_pointed_out() {
    let sheet = read_bytes(
        "2024级学生名单,,\n,,\n学号,姓名,手机\n1,甲,13812345678\n".as_bytes(),
        None,
    )
    .unwrap();
    let err = sheet.mapping(None).unwrap_err().to_string();
    assert!(err.contains("row 3 looks like the header row"), "{err}");
}

#[test]
fn bytes_that_are_no_spreadsheet_are_refused_with_the_reason() {
    let reason = |bytes: &[u8]| match read_bytes(bytes, None) {
        Err(ImportError::NotSpreadsheet { reason, .. }) => reason,
        other => panic!("{other:?}"),
    };
    assert!(reason(b"\x7fELF\x02\x01\x01\0\0\0\0\0").contains("binary"));
    assert!(reason(b"desk-042\n").contains("no columns"));
    assert!(reason("买菜\n开会\n".as_bytes()).contains("no columns"));
    let controls: Vec<u8> = (0..400u32).map(|i| [1u8, 2, 3, b'a', 0x1b][i as usize % 5]).collect();
    assert!(reason(&controls).contains("not text"));
    // A one-column list under a header Herald knows, and text in the wrong encoding, are read.
    assert_eq!(read_bytes("姓名\n甲\n".as_bytes(), None).unwrap().rows.len(), 1);
    let (gbk, _, _) = encoding_rs::GBK.encode("学号,姓名\n1,王小明\n");
    assert!(read_bytes(&gbk, Some("utf-8")).unwrap().decode_errors);
}

#[test]
fn a_file_past_a_limit_names_it() {
    let wide = format!("姓名{}\n", ",x".repeat(limits::MAX_COLUMNS as usize));
    let err = read_bytes(wide.as_bytes(), None).unwrap_err();
    assert_eq!(err.code(), "import_too_many_columns");
    assert!(
        err.to_string().contains("201 columns; Herald imports up to 200"),
        "{err}"
    );
    assert_eq!(
        err.params(),
        [("columns", "201".to_owned()), ("limit", "200".to_owned())]
    );
    let big = vec![b'a'; limits::MAX_FILE_BYTES as usize + 1];
    let err = read_bytes(&big, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the file is 50.1 MB; Herald imports files up to 50 MB: split it"
    );
}
