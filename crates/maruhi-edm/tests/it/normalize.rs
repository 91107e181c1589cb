//! Golden tables of the normalisation: each variant a leaked file may use
//! gives the value the index was built with.

use maruhi_edm::normalize;
use maruhi_edm::ColumnType;

fn table(t: ColumnType, rows: &[(&str, Option<&str>)]) {
    for (input, want) in rows {
        assert_eq!(t.normalize(input).as_deref(), *want, "{t} {input:?}");
    }
}

#[test]
fn phones_in_every_japanese_form() {
    table(
        ColumnType::Phone,
        &[
            ("090-1234-5678", Some("09012345678")),
            ("09012345678", Some("09012345678")),
            ("０９０－１２３４－５６７８", Some("09012345678")),
            ("090‐1234‐5678", Some("09012345678")),
            ("090−1234−5678", Some("09012345678")),
            ("090ー1234ー5678", Some("09012345678")),
            ("(03) 1234-5678", Some("0312345678")),
            ("03 1234 5678", Some("0312345678")),
            ("+81 90-1234-5678", Some("09012345678")),
            ("+81-3-1234-5678", Some("0312345678")),
            ("+81 (0)3 1234 5678", Some("0312345678")),
            ("819012345678", Some("09012345678")),
            ("1234-5678", None),
            ("090-1234-56789", None),
            ("tel 090", None),
        ],
    );
}

#[test]
fn emails_ids_postal_codes() {
    table(
        ColumnType::Email,
        &[
            ("Taro.Yamada@Example.co.jp", Some("taro.yamada@example.co.jp")),
            ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", Some("taro@example.jp")),
            (" a_b+c@mail.example.com ", Some("a_b+c@mail.example.com")),
            ("taro@localhost", None),
            ("@example.jp", None),
        ],
    );
    table(
        ColumnType::Id,
        &[
            ("C-0001234", Some("C0001234")),
            ("ｃ０００１２３４", Some("C0001234")),
            ("c 000 1234", Some("C0001234")),
            ("ab", None),
            ("会員1234", None),
        ],
    );
    table(
        ColumnType::Postal,
        &[
            ("100-0005", Some("1000005")),
            ("〒１００－０００５", Some("1000005")),
            ("〒 1000005", Some("1000005")),
            ("100-005", None),
        ],
    );
}

#[test]
fn names_spaces_width_and_old_forms() {
    table(
        ColumnType::Name,
        &[
            ("山田 太郎", Some("山田太郎")),
            ("山田　太郎", Some("山田太郎")),
            ("髙橋 一郎", Some("高橋一郎")),
            ("山﨑花子", Some("山崎花子")),
            ("渡邉", Some("渡辺")),
            ("渡邊", Some("渡辺")),
            ("齋藤", Some("斎藤")),
            ("ジョン・スミス", Some("ジョンスミス")),
            ("", None),
        ],
    );
    table(
        ColumnType::Kana,
        &[
            ("ヤマダ タロウ", Some("ヤマダタロウ")),
            ("やまだ たろう", Some("ヤマダタロウ")),
            ("ﾔﾏﾀﾞ ﾀﾛｳ", Some("ヤマダタロウ")),
            ("ﾊﾟﾝ", Some("パン")),
            ("ｳﾞｨ", Some("ヴィ")),
        ],
    );
}

#[test]
fn addresses_with_and_without_prefecture_and_block_forms() {
    let want = Some("千代田区丸の内1-2-3");
    table(
        ColumnType::Address,
        &[
            ("東京都千代田区丸の内1-2-3", want),
            ("千代田区丸の内1-2-3", want),
            ("東京都 千代田区 丸の内 1丁目2番3号", want),
            ("東京都千代田区丸の内一丁目二番三号", want),
            ("東京都千代田区丸の内１－２－３　丸の内ビル５階", want),
            ("千代田区丸の内1丁目2番地3", want),
            ("千代田区丸の内1の2の3", want),
            ("東京都三鷹市下連雀三丁目10番5号", Some("三鷹市下連雀3-10-5")),
            ("北海道札幌市中央区北1条西2丁目3番地", Some("札幌市中央区北1条西2-3")),
            ("岐阜県大垣市大字青木町字東12番地の3", Some("大垣市青木町東12-3")),
            ("霞ヶ関3-1-1", Some("霞ケ関3-1-1")),
            ("1-2-3", None),
        ],
    );
}

#[test]
fn dates_western_and_japanese_eras() {
    let want = Some("19800102");
    table(
        ColumnType::Date,
        &[
            ("1980-01-02", want),
            ("1980/1/2", want),
            ("1980.01.02", want),
            ("1980年1月2日", want),
            ("１９８０年１月２日", want),
            ("19800102", want),
            ("昭和55年1月2日", want),
            ("S55.1.2", want),
            ("s55/01/02", want),
            ("㍼55年1月2日", want),
            ("平成元年1月8日", Some("19890108")),
            ("令和2年4月1日", Some("20200401")),
            ("1980-13-02", None),
            ("Sunday", None),
        ],
    );
}

#[test]
fn folding_is_width_and_dash_only() {
    assert_eq!(normalize::fold("ＡＢＣ１２３　ｱｲｳ"), "ABC123 アイウ");
    assert_eq!(normalize::fold("a–b—c―d"), "a-b-c-d");
    assert_eq!(normalize::to_katakana("やまだ"), "ヤマダ");
}

#[test]
fn hostile_values_do_not_panic() {
    let long_numeral = format!("{}丁目", "九千".repeat(100_000));
    let long_digits = format!("{}年1月1日", "9".repeat(50));
    for v in [long_numeral.as_str(), long_digits.as_str(), "ﾞﾟ", "+", "@", "〒", "令和元", "S", "-1-2-3"] {
        for t in ColumnType::ALL {
            let _ = t.normalize(v);
        }
    }
}
