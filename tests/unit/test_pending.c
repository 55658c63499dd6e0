/* test_pending.c - the pending-request table shared by the request/response
 * dissectors (protocols/pending.c) and the text builder (protocols/textbuf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pending.h"
#include "textbuf.h"

typedef struct req {
    uint16_t id;
    uint64_t ts_us;
} req;

typedef struct given_up {
    uint16_t ids[16];
    int n;
} given_up;

static void unanswered(void *ctx, const void *entry, const otw_sink *sink)
{
    (void)sink;
    given_up *g = ctx;
    const req *r = entry;
    if (g->n < 16)
        g->ids[g->n++] = r->id;
}

static void test_push_evicts_oldest(void **state)
{
    (void)state;
    req table[3];
    uint32_t n = 0;
    given_up g = {0};
    for (uint16_t i = 1; i <= 3; i++) {
        req r = {i, i * 1000u};
        assert_false(OTW_PENDING_PUSH(table, &n, -1, &r, unanswered, &g, NULL));
    }
    assert_int_equal(n, 3);
    req r4 = {4, 4000};
    assert_true(OTW_PENDING_PUSH(table, &n, -1, &r4, unanswered, &g, NULL)); /* full */
    assert_int_equal(g.n, 1);
    assert_int_equal(g.ids[0], 1);
    assert_int_equal(table[0].id, 2);
    assert_int_equal(table[2].id, 4);
    /* A request that supersedes entry 1 (id 3): that one leaves, not the oldest. */
    req r5 = {5, 5000};
    assert_false(OTW_PENDING_PUSH(table, &n, 1, &r5, unanswered, &g, NULL));
    assert_int_equal(g.ids[1], 3);
    assert_int_equal(n, 3);
    assert_int_equal(table[0].id, 2);
    assert_int_equal(table[1].id, 4);
    assert_int_equal(table[2].id, 5);
}

static void test_take_and_remove_keep_order(void **state)
{
    (void)state;
    req table[4] = {{1, 1}, {2, 2}, {3, 3}, {4, 4}};
    uint32_t n = 4;
    req out;
    OTW_PENDING_TAKE(table, &n, 1, &out);
    assert_int_equal(out.id, 2);
    assert_int_equal(n, 3);
    assert_int_equal(table[1].id, 3);
    OTW_PENDING_REMOVE(table, &n, 2); /* the last */
    assert_int_equal(n, 2);
    assert_int_equal(table[0].id, 1);
    assert_int_equal(table[1].id, 3);
}

static void test_expire(void **state)
{
    (void)state;
    req table[4] = {{1, 1000}, {2, 9000}, {3, 2000}, {4, 10000}};
    uint32_t n = 4;
    given_up g = {0};
    /* Older than 5000 at 10000: ids 1 and 3, in order; the rest keep theirs. */
    OTW_PENDING_EXPIRE(table, &n, 10000, 5000, unanswered, &g, NULL);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.ids[0], 1);
    assert_int_equal(g.ids[1], 3);
    assert_int_equal(n, 2);
    assert_int_equal(table[0].id, 2);
    assert_int_equal(table[1].id, 4);
    /* A clock going backwards expires nothing; timeout 0 (flow end) all. */
    OTW_PENDING_EXPIRE(table, &n, 500, 1, unanswered, &g, NULL);
    assert_int_equal(n, 2);
    OTW_PENDING_EXPIRE(table, &n, 500, 0, unanswered, &g, NULL);
    assert_int_equal(n, 0);
    assert_int_equal(g.n, 4);
    /* A corrupted count is clamped to the capacity before anything is read. */
    n = 1000;
    OTW_PENDING_EXPIRE(table, &n, 0, 0, unanswered, &g, NULL);
    assert_int_equal(n, 0);
    assert_int_equal(g.n, 8);
}

static void test_textbuf(void **state)
{
    (void)state;
    char buf[32];
    otw_tb b = otw_tb_init(buf, sizeof(buf));
    otw_tb_sep(&b, ", "); /* nothing before: no separator */
    otw_tb_str(&b, "slot");
    otw_tb_sep(&b, " ");
    otw_tb_u32(&b, 4294967295u);
    otw_tb_sep(&b, " ");
    otw_tb_hex16(&b, 0x0abc);
    assert_string_equal(buf, "slot 4294967295 0x0abc");
    b = otw_tb_init(buf, sizeof(buf));
    otw_tb_num(&b, 7, false, 3);
    otw_tb_str(&b, "/");
    otw_tb_num(&b, 255, true, 0);
    otw_tb_str(&b, " ");
    const uint8_t ip[4] = {192, 168, 0, 1};
    otw_tb_ipv4(&b, ip);
    assert_string_equal(buf, "007/ff 192.168.0.1");
    /* Truncation keeps the text terminated and hex pairs whole. */
    char small[6];
    b = otw_tb_init(small, sizeof(small));
    const uint8_t bytes[4] = {0xde, 0xad, 0xbe, 0xef};
    otw_tb_hex(&b, bytes, sizeof(bytes));
    assert_string_equal(small, "dead");
    otw_tb_str(&b, "xyz");
    assert_string_equal(small, "deadx");
    /* cap 0 writes nothing. */
    b = otw_tb_init(NULL, 0);
    otw_tb_str(&b, "abc");
    assert_int_equal(b.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_evicts_oldest),
        cmocka_unit_test(test_take_and_remove_keep_order),
        cmocka_unit_test(test_expire),
        cmocka_unit_test(test_textbuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
