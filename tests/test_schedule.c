/* tests/test_schedule.c: the learning-rate schedules of srm train (task/train.h,
 * srm_train_decays) on a hand-made validation history, and the preset schedule of each task. */
#include "task/train.h"
#include "tests/harness.h"

/* The three schedules on a hand-made validation history. */
static void schedule_check(void)
{
    srm_train_config c;
    srm_train_config_preset(&c, SRM_TASK_JSB, SRM_CELL_LSTM, "paper");
    int presets = c.schedule == SRM_TRAIN_SCHEDULE_TCN && c.lr_decay == 10;
    srm_train_config_preset(&c, SRM_TASK_ATIS, SRM_CELL_LSTM, "quick");
    presets &= c.schedule == SRM_TRAIN_SCHEDULE_CONSTANT;
    srm_train_config_preset(&c, SRM_TASK_WIKITEXT2, SRM_CELL_RNN_TANH, "paper");
    presets &= c.schedule == SRM_TRAIN_SCHEDULE_PLATEAU && c.lr_decay == 4;
    CHECK(presets, "schedules per task: jsb tcn (lr / 10), atis constant, LMs plateau (lr / 4)");
    srm_train_epoch log[14] = {{0}};
    /* epochs 1..13: 5 4 3 ... then 2.0 2.1 2.2 at epochs 8, 9, 10 */
    const double v[13] = {5, 4.5, 4, 3.5, 3, 2.8, 2.6, 2.0, 2.1, 2.2, 2.15, 2.3, 2.3};
    for (int i = 0; i < 13; i++) log[i].valid_loss = v[i];
    c.schedule = SRM_TRAIN_SCHEDULE_TCN;
    int ok = !srm_train_decays(&c, log, 10, 9.0, 0);           /* never up to epoch 10 */
    ok &= !srm_train_decays(&c, log, 11, 2.15, 0);             /* 2.15 <= max(2.0, 2.1, 2.2) */
    ok &= srm_train_decays(&c, log, 11, 2.2000001, 0);         /* above the largest of 8..10 */
    ok &= !srm_train_decays(&c, log, 13, 2.3, 0);              /* equal to max(2.2, 2.15, 2.3) */
    ok &= srm_train_decays(&c, log, 12, 2.3, 0);               /* > max(2.1, 2.2, 2.15) */
    CHECK(ok, "tcn: no decay up to epoch 10, then lr / F exactly when the loss exceeds the "
          "largest of the previous three");
    c.schedule = SRM_TRAIN_SCHEDULE_PLATEAU;
    ok = srm_train_decays(&c, log, 3, 9.0, 0) && !srm_train_decays(&c, log, 3, 1.0, 1);
    c.schedule = SRM_TRAIN_SCHEDULE_CONSTANT;
    ok &= !srm_train_decays(&c, log, 12, 9.0, 0);
    CHECK(ok, "plateau decays when validation does not improve; constant never decays");
}

int main(void)
{
    schedule_check();
    return srm_test_finish();
}
