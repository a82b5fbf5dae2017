"""Checksums against the exchanges' documented examples (shared/exchanges fact sheets)."""

from decimal import Decimal

from exchangekit.book import KrakenChecksum, LocalBook, OkxChecksum, kraken_checksum, okx_checksum

# Kraken "Book checksum (v2)" example, levels read back from the documented checksum string
# "452852100000452864154571953..." (price then qty, "." and leading zeros removed).
KRAKEN_ASKS = [
    ("45285.2", "0.00100000"),
    ("45286.4", "1.54571953"),
    ("45286.6", "1.54571109"),
    ("45289.6", "1.54560911"),
    ("45290.2", "0.15890660"),
    ("45291.8", "1.54553491"),
    ("45294.7", "0.04454749"),
    ("45296.1", "0.35380000"),
    ("45297.5", "0.09945542"),
    ("45299.5", "0.18772827"),
]
KRAKEN_BIDS = [
    ("45283.5", "0.10000000"),
    ("45283.4", "1.54582015"),
    ("45282.1", "0.10000000"),
    ("45281.0", "0.10000000"),
    ("45280.3", "1.54592586"),
    ("45279.0", "0.07990000"),
    ("45277.6", "0.03310103"),
    ("45277.5", "0.30000000"),
    ("45277.3", "1.54602737"),
    ("45276.6", "0.15445238"),
]
KRAKEN_DOCUMENTED = 3310070434


def test_okx_checksum_matches_the_documented_examples() -> None:
    # "3366.1:7:3366.8:9:3366:6:3368:8" -> -1881014294
    assert okx_checksum([("3366.1", "7"), ("3366", "6")], [("3366.8", "9"), ("3368", "8")]) == (
        -1881014294
    )
    # bids run out first: "3366.1:7:3366.8:9:3368:8:3372:8" -> 831078360
    assert okx_checksum([("3366.1", "7")], [("3366.8", "9"), ("3368", "8"), ("3372", "8")]) == (
        831078360
    )


def test_okx_checksum_covers_the_top_25_levels_only() -> None:
    bids = [(str(1000 - i), "1") for i in range(30)]
    asks = [(str(2000 + i), "1") for i in range(30)]
    changed = [*bids[:25], ("1", "999")]
    assert okx_checksum(bids, asks) == okx_checksum(changed, asks)
    assert okx_checksum(bids, asks) != okx_checksum([("999", "2"), *bids[1:]], asks)


def test_kraken_checksum_matches_the_documented_example() -> None:
    assert kraken_checksum(KRAKEN_BIDS, KRAKEN_ASKS) == KRAKEN_DOCUMENTED


def test_kraken_checksum_of_a_book_whose_json_numbers_lost_trailing_zeros() -> None:
    # Kraken v2 sends JSON numbers: 45281.0 may arrive as 45281 and 0.10000000 as 0.1.
    def as_json_number(text: str) -> str:
        return str(Decimal(text).normalize())

    book = LocalBook("BTC/USD", price_scale=1, quantity_scale=8)
    book.apply_snapshot(
        [(as_json_number(p), as_json_number(q)) for p, q in KRAKEN_BIDS],
        [(as_json_number(p), as_json_number(q)) for p, q in KRAKEN_ASKS],
    )
    assert KrakenChecksum().verify(book, KRAKEN_DOCUMENTED)


def test_kraken_checksum_uses_the_instrument_precision_whatever_the_book_scale() -> None:
    book = LocalBook("BTC/USD")  # scales taken from padded strings: wider than the instrument
    book.apply_snapshot(
        [(p + "000", q + "00") for p, q in KRAKEN_BIDS],
        [(p + "000", q + "00") for p, q in KRAKEN_ASKS],
    )
    assert not KrakenChecksum().verify(book, KRAKEN_DOCUMENTED)
    checksum = KrakenChecksum(price_decimals=1, quantity_decimals=8)
    assert checksum.verify(book, KRAKEN_DOCUMENTED)


def test_kraken_checksum_fails_a_level_finer_than_the_precision_instead_of_rounding() -> None:
    book = LocalBook("BTC/USD")
    book.apply_snapshot(KRAKEN_BIDS, [("45285.25", "0.00100000"), *KRAKEN_ASKS[1:]])
    assert not KrakenChecksum(price_decimals=1, quantity_decimals=8).verify(book, KRAKEN_DOCUMENTED)


def test_kraken_checksum_covers_the_top_10_levels_only() -> None:
    book = LocalBook("BTC/USD", price_scale=1, quantity_scale=8)
    book.apply_snapshot(KRAKEN_BIDS, KRAKEN_ASKS)
    book.apply_delta([("45000.0", "5.00000000")], [("46000.0", "5.00000000")])
    assert KrakenChecksum().verify(book, KRAKEN_DOCUMENTED)
    book.apply_delta([("45276.6", "0.15445239")], [])
    assert not KrakenChecksum().verify(book, KRAKEN_DOCUMENTED)


def test_okx_checksum_hashes_the_original_strings() -> None:
    book = LocalBook("ETH/USDT", keep_text=True)
    book.apply_snapshot([("3366.1", "7"), ("3366", "6")], [("3366.8", "9"), ("3368", "8")])
    assert OkxChecksum().verify(book, -1881014294)

    book.apply_delta([("3366.0", "6")], [])  # same value, written differently by the exchange
    assert not OkxChecksum().verify(book, -1881014294)


def test_okx_checksum_zero_means_not_sent() -> None:
    # OKX sends checksum 0 on every book channel from 2026-06-23: nothing to compare.
    book = LocalBook("ETH/USDT", keep_text=True)
    book.apply_snapshot([("1", "1")], [("2", "1")])
    assert OkxChecksum().verify(book, 0)
    assert not OkxChecksum().verify(book, 12345)
