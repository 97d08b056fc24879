/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench.c — `convscope bench`: how long one run of a network takes.  One
 * session is reused for every run, as an application would, on an input
 * of seeded random numbers so that runs are repeatable; warm-up runs
 * (first-touch of the activation memory, caches, thread start-up) are
 * not counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "tensor.h"

#define DEFAULT_RUNS   10
#define DEFAULT_WARMUP 2
#define INPUT_SEED     20240611
/* Keeps the array of timings a sane size whatever is asked. */
#define MAX_RUNS       1000000

typedef struct
{
  double median_ms, min_ms, mean_ms, max_ms;
} Timing;

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Sorts @ms in place. */
static Timing
summarize (double *ms, int n)
{
  Timing t = { 0 };
  double sum = 0.0;

  qsort (ms, (size_t) n, sizeof *ms, compare_doubles);
  for (int i = 0; i < n; i++)
    sum += ms[i];
  t.median_ms = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2.0;
  t.min_ms = ms[0];
  t.max_ms = ms[n - 1];
  t.mean_ms = sum / n;
  return t;
}

/* Fills @tensors (zeroed by the caller, cleared by it even on failure)
 * with uniform random numbers in [0, 1) in the inputs' shapes. */
static gboolean
make_inputs (const CsModel *model, CsTensor *tensors, GError **error)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (INPUT_SEED);

  for (size_t i = 0; i < cs_model_n_inputs (model); i++)
    {
      const CsTensor *input = cs_model_input (model, i);
      float          *data;
      int64_t         n;

      if (!cli_tensor_alloc (&tensors[i], input->name, &input->shape, error))
        return FALSE;
      data = tensors[i].data;
      n = cs_shape_numel (&input->shape);
      for (int64_t j = 0; j < n; j++)
        data[j] = (float) g_rand_double (rand);
    }
  return TRUE;
}

/* Nanosecond resolution: small networks run in microseconds, finer than
 * g_get_monotonic_time resolves. */
static double
now_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

/* One run, or with @gradcam one Grad-CAM of class 0 at the default
 * layer (forward and backward). */
static gboolean
run_once (CsSession *session, const CsTensor *inputs, size_t n_inputs,
          const CsRunOptions *options, gboolean gradcam, GError **error)
{
  CsExplainOptions explain = { .method = CS_EXPLAIN_GRADCAM };
  CsExplanation   *explanation = NULL;
  CsResult        *result = NULL;

  if (gradcam)
    {
      if (!cs_explain (session, inputs, &explain, &explanation, error))
        return FALSE;
      cs_explanation_free (explanation);
      return TRUE;
    }
  if (!cs_session_run (session, inputs, n_inputs, options, &result, error))
    return FALSE;
  cs_result_free (result);
  return TRUE;
}

/* Runs @warmup untimed then @runs timed runs, storing milliseconds. */
static gboolean
time_runs (CsSession          *session,
           const CsTensor     *inputs,
           size_t              n_inputs,
           const CsRunOptions *options,
           gboolean            gradcam,
           int                 warmup,
           int                 runs,
           double             *ms,
           GError            **error)
{
  for (int i = -warmup; i < runs; i++)
    {
      double start = now_ms ();

      if (!run_once (session, inputs, n_inputs, options, gradcam, error))
        return FALSE;
      if (i >= 0)
        ms[i] = now_ms () - start;
    }
  return TRUE;
}

static void
print_text (const char *path, int64_t macs, int threads, int runs, int warmup,
            gboolean taps, gboolean gradcam, const Timing *t)
{
  g_autofree char *shown = cli_printable (path);
  g_autofree char *runs_text = g_strdup_printf (
    gradcam ? g_dngettext (GETTEXT_PACKAGE, "%d Grad-CAM run", "%d Grad-CAM runs", runs)
            : g_dngettext (GETTEXT_PACKAGE, "%d run", "%d runs", runs), runs);
  g_autofree char *threads_text = g_strdup_printf (
    g_dngettext (GETTEXT_PACKAGE, "%d thread", "%d threads", threads), threads);

  /* TRANSLATORS: "12 runs on 2 threads (after 2 warm-up), taps off"; with
   * --gradcam "12 Grad-CAM runs on 2 threads …". */
  printf (_("%s: %s on %s (after %d warm-up), taps %s\n"), shown, runs_text,
          threads_text, warmup, taps ? _("on") : _("off"));
  printf (_("median %.4g ms   min %.4g ms   mean %.4g ms   max %.4g ms\n"),
          t->median_ms, t->min_ms, t->mean_ms, t->max_ms);
  if (t->median_ms > 0.0)
    {
      g_autofree char *rate = cli_format_count ((int64_t) (macs * 1e3
                                                           / t->median_ms));

      printf (_("%s multiply-accumulates per second at the median\n"), rate);
    }
}

/* This process's peak resident memory in KiB (VmHWM), or −1 where the
 * system does not tell.  A parent's count of its child would include the
 * parent's own memory at the fork, which the child carried until exec. */
static gint64
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (line = strstr (status, "\nVmHWM:")) == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen ("\nVmHWM:"), NULL, 10);
}

static void
print_json (const char *path, int64_t macs, int threads, int runs, int warmup,
            gboolean taps, gboolean gradcam, const Timing *t)
{
  const gint64 peak = peak_rss_kib ();
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree char *shown = cli_printable (path);
  const struct { const char *name; double value; } times[] = {
    { "median_ms", t->median_ms }, { "min_ms", t->min_ms },
    { "mean_ms", t->mean_ms }, { "max_ms", t->max_ms },
  };

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, shown);
  json_builder_set_member_name (builder, "threads");
  json_builder_add_int_value (builder, threads);
  json_builder_set_member_name (builder, "runs");
  json_builder_add_int_value (builder, runs);
  json_builder_set_member_name (builder, "warmup");
  json_builder_add_int_value (builder, warmup);
  json_builder_set_member_name (builder, "taps");
  json_builder_add_boolean_value (builder, taps);
  json_builder_set_member_name (builder, "gradcam");
  json_builder_add_boolean_value (builder, gradcam);
  for (size_t i = 0; i < G_N_ELEMENTS (times); i++)
    {
      json_builder_set_member_name (builder, times[i].name);
      json_builder_add_double_value (builder, times[i].value);
    }
  json_builder_set_member_name (builder, "macs");
  json_builder_add_int_value (builder, macs);
  if (peak >= 0)
    {
      json_builder_set_member_name (builder, "peak_rss_kib");
      json_builder_add_int_value (builder, peak);
    }
  json_builder_end_object (builder);
  cli_json_print (builder);
}

static gboolean
bench (const char *path, int threads, int runs, int warmup, gboolean taps,
       gboolean gradcam, gboolean json, const CsLoadOptions *load_options, GError **error)
{
  CsModel      *model;
  CsSession    *session = NULL;
  CsTensor     *inputs;
  size_t        n_inputs;
  double       *ms = g_new (double, runs);
  CsRunOptions  options = { .tap_all = taps };
  gboolean      ok;

  model = cs_model_load_file (path, load_options, error);
  if (model == NULL)
    {
      g_free (ms);
      return FALSE;
    }
  n_inputs = cs_model_n_inputs (model);
  inputs = g_new0 (CsTensor, MAX (n_inputs, 1));
  ok = make_inputs (model, inputs, error)
       && (session = cs_session_new (model, threads, error)) != NULL
       && time_runs (session, inputs, n_inputs, &options, gradcam, warmup, runs, ms, error);
  if (ok)
    {
      Timing  t = summarize (ms, runs);
      int64_t macs = cs_model_total_macs (model);
      int     used = threads > 0 ? threads : (int) g_get_num_processors ();

      if (json)
        print_json (path, macs, used, runs, warmup, taps, gradcam, &t);
      else
        print_text (path, macs, used, runs, warmup, taps, gradcam, &t);
    }

  if (session != NULL)
    cs_session_free (session);
  for (size_t i = 0; i < n_inputs; i++)
    cli_tensor_clear (&inputs[i]);
  g_free (inputs);
  g_free (ms);
  cs_model_free (model);
  return ok;
}

int
cli_bench (int argc, char **argv)
{
  int      threads = 0, runs = DEFAULT_RUNS, warmup = DEFAULT_WARMUP;
  gboolean taps = FALSE, gradcam = FALSE, json = FALSE;
  CsLoadOptions load_options = { 0 };
  const GOptionEntry entries[] = {
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads,
      N_("Threads to run on (default 0: every core)"), "N" },
    { "runs", 'n', 0, G_OPTION_ARG_INT, &runs,
      N_("Timed runs (default 10)"), "N" },
    { "warmup", 'w', 0, G_OPTION_ARG_INT, &warmup,
      N_("Untimed runs first (default 2)"), "N" },
    { "taps", 't', 0, G_OPTION_ARG_NONE, &taps,
      N_("Keep every layer's output, to see what that costs"), NULL },
    { "gradcam", 0, 0, G_OPTION_ARG_NONE, &gradcam,
      N_("Time Grad-CAM of class 0 at the default layer (a forward and a backward pass) "
         "instead"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the timings as JSON"), NULL },
    { "quantized-in-float", 0, 0, G_OPTION_ARG_NONE, &load_options.quantized_in_float,
      CLI_QUANTIZED_IN_FLOAT_HELP, NULL },
    { "activations-in-float", 0, 0, G_OPTION_ARG_NONE, &load_options.activations_in_float,
      N_("Hold a quantized model's activations as floats between its layers, not as bytes "
         "where two layers can pass them so: to time the one against the other"), NULL },
    { NULL }
  };
  GError *error = NULL;

  if (!cli_parse_options (&argc, &argv, entries, "MODEL",
                          N_("Measure how long one run of a network takes."),
                          N_("Prints the median, minimum, mean and maximum "
                             "latency over the timed runs of one\nreused session "
                             "on a fixed random input, and the multiply-"
                             "accumulates per\nsecond that the median means.\n\n"
                             "Example:\n  convscope bench resnet18.onnx "
                             "--threads 1 --runs 20"),
                          1, 1, &error))
    return cli_fail (error);
  if (threads < 0)
    cli_usage_error (&error, _("--threads must be 0 (every core) or more, not %d"),
                     threads);
  else if (runs < 1 || runs > MAX_RUNS)
    cli_usage_error (&error, _("--runs must be between 1 and %d, not %d"),
                     MAX_RUNS, runs);
  else if (warmup < 0)
    cli_usage_error (&error, _("--warmup must be 0 or more, not %d"), warmup);
  if (error != NULL)
    return cli_fail (error);

  if (!bench (argv[1], threads, runs, warmup, taps, gradcam, json, &load_options, &error))
    return cli_fail (error);
  return 0;
}
