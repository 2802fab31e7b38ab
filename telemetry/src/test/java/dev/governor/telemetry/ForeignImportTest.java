package dev.governor.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.governor.control.Observation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.proto.DataClass;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.SessionLog;
import org.tensorflow.proto.Summary;
import org.tensorflow.proto.SummaryMetadata;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Imports of files in the byte layout of the writers users have, built with TensorFlow's own
 * protocol-buffer classes (which serialize fields in field-number order, as Python's and C++'s
 * protobuf do) and framed with the bitwise CRC32C of {@link TfEventsTest}.
 *
 * <ul>
 *   <li>PyTorch {@code SummaryWriter}: a first event {@code {wall_time, file_version
 *       "brain.Event:2"}}; then per {@code add_scalar(tag, v, step)} one event {@code {wall_time,
 *       step, summary {value {tag, simple_value = float32(v)}}}}; a resumed writer opens a new file
 *       and writes no {@code SessionLog}. With {@code new_style=True, double_precision=True}: the
 *       value is {@code {tag, tensor {dtype DT_DOUBLE, double_val [v]}, metadata {plugin_data
 *       {plugin_name "scalars"}}}}.
 *   <li>Keras {@code TensorBoard} callback (tf.summary in TF2, written by TensorFlow's C++ event
 *       writer): folders {@code train/} and {@code validation/}; {@code epoch_loss}, {@code
 *       epoch_learning_rate} at step = epoch as {@code {tag, tensor {dtype DT_FLOAT, tensor_shape
 *       {}, tensor_content = float32 LE}, metadata {plugin_data {plugin_name "scalars"}, data_class
 *       DATA_CLASS_SCALAR}}} (metadata on a tag's first value only, as TensorBoard allows); a
 *       {@code keras} text summary (DT_STRING, plugin "text"); {@code
 *       evaluation_loss_vs_iterations} on the iteration axis.
 *   <li>TensorFlow 1 {@code Supervisor}/{@code MonitoredSession}: a {@code SessionLog {status
 *       START}} event at the step a restarted session resumes from.
 * </ul>
 */
class ForeignImportTest {
  @TempDir Path tmp;

  static final double T0 = 1767225600.5;

  static Event version(String v) {
    return Event.newBuilder().setWallTime(T0).setFileVersion(v).build();
  }

  static Event simple(long step, String tag, float v) {
    return Event.newBuilder()
        .setWallTime(T0 + step)
        .setStep(step)
        .setSummary(
            Summary.newBuilder().addValue(Summary.Value.newBuilder().setTag(tag).setSimpleValue(v)))
        .build();
  }

  static SummaryMetadata scalarsPlugin(boolean dataClass) {
    SummaryMetadata.Builder m =
        SummaryMetadata.newBuilder()
            .setPluginData(SummaryMetadata.PluginData.newBuilder().setPluginName("scalars"));
    if (dataClass) {
      m.setDataClass(DataClass.DATA_CLASS_SCALAR);
    }
    return m.build();
  }

  /** A TF2 C++-writer scalar: a float32 tensor_content; metadata only when {@code first}. */
  static Event keras(long step, String tag, float v, boolean first) {
    byte[] le = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array();
    Summary.Value.Builder val =
        Summary.Value.newBuilder()
            .setTag(tag)
            .setTensor(
                TensorProto.newBuilder()
                    .setDtype(DataType.DT_FLOAT)
                    .setTensorShape(TensorShapeProto.getDefaultInstance())
                    .setTensorContent(ByteString.copyFrom(le)));
    if (first) {
      val.setMetadata(scalarsPlugin(true));
    }
    return Event.newBuilder()
        .setWallTime(T0 + step)
        .setStep(step)
        .setSummary(Summary.newBuilder().addValue(val))
        .build();
  }

  static Event kerasText(long step) {
    return Event.newBuilder()
        .setWallTime(T0)
        .setStep(step)
        .setSummary(
            Summary.newBuilder()
                .addValue(
                    Summary.Value.newBuilder()
                        .setTag("keras")
                        .setTensor(
                            TensorProto.newBuilder()
                                .setDtype(DataType.DT_STRING)
                                .setTensorShape(TensorShapeProto.getDefaultInstance())
                                .addStringVal(ByteString.copyFromUtf8("{\"class_name\": \"x\"}")))
                        .setMetadata(
                            SummaryMetadata.newBuilder()
                                .setPluginData(
                                    SummaryMetadata.PluginData.newBuilder()
                                        .setPluginName("text")))))
        .build();
  }

  static Event pyDouble(long step, String tag, double v) {
    return Event.newBuilder()
        .setWallTime(T0 + step)
        .setStep(step)
        .setSummary(
            Summary.newBuilder()
                .addValue(
                    Summary.Value.newBuilder()
                        .setTag(tag)
                        .setTensor(
                            TensorProto.newBuilder().setDtype(DataType.DT_DOUBLE).addDoubleVal(v))
                        .setMetadata(scalarsPlugin(false))))
        .build();
  }

  static Event start(long step) {
    return Event.newBuilder()
        .setWallTime(T0 + 100)
        .setStep(step)
        .setSessionLog(SessionLog.newBuilder().setStatus(SessionLog.SessionStatus.START))
        .build();
  }

  static List<Observation> observations(RunFolder run) {
    try (var observations = run.observations()) {
      return observations.toList();
    }
  }

  static List<Event2> events(RunFolder run) {
    try (TelemetryLog log = run.readTelemetry();
        var events = log.events()) {
      return events.map(e -> new Event2(e.kind(), e.step())).toList();
    }
  }

  record Event2(EventKind kind, long step) {}

  static double f(double x) {
    return (float) x;
  }

  /** A PyTorch SummaryWriter script: loss, grad norm every step, lr when it changes, val at 5. */
  static List<Event> pytorch() {
    List<Event> e = new ArrayList<>();
    e.add(version("brain.Event:2"));
    for (int s = 0; s <= 5; s++) {
      e.add(simple(s, "Loss/train", (float) (1.0 / (1 + s))));
      e.add(simple(s, "grad_norm", 2 + s));
      if (s == 0 || s == 3) {
        e.add(simple(s, "lr", s == 0 ? 0.1f : 0.05f));
      }
      if (s == 2) {
        e.add(simple(s, "Accuracy/train", 0.5f));
      }
    }
    e.add(simple(5, "Loss/val", 0.7f));
    return e;
  }

  @Test
  void pytorchSummaryWriterRunMapsDefaultTagsAndCarriesTheLr() throws Exception {
    Path file =
        TbFiles.write(tmp.resolve("runs/Dec01/events.out.tfevents.1767225600.host.1.0"), pytorch());
    Interchange.ImportReport r =
        Interchange.importAny(tmp.resolve("runs"), "auto", tmp.resolve("run"), Map.of(), false);
    assertEquals(6, r.imported());
    assertEquals(
        Map.of("loss", "Loss/train", "grad_norm", "grad_norm", "lr", "lr", "val_loss", "Loss/val"),
        r.tags());
    List<Observation> o = observations(r.run());
    for (int s = 0; s <= 5; s++) {
      Observation x = o.get(s);
      assertEquals(s, x.step());
      assertEquals(f(1.0 / (1 + s)), x.loss(), 0.0);
      assertEquals(2 + s, x.gradNorm(), 0.0);
      assertEquals(s < 3 ? f(0.1) : f(0.05), x.lr(), 0.0, "lr holds until its next value");
      assertEquals(s == 5 ? f(0.7) : Double.NaN, x.valLoss(), 0.0);
      assertTrue(Double.isNaN(x.clip()));
    }
    Map<String, String> cfg = r.run().header().config();
    assertEquals("Loss/train", cfg.get("import.tag.loss"));
    assertEquals("Accuracy/train", cfg.get("import.tags.ignored"));
    assertEquals("2026-01-01T00:00:00.500Z", r.run().header().startTime(), "first wall_time");
    assertTrue(file.toFile().exists());
  }

  @Test
  void explicitTagsOverrideTheDefaultsAndUnknownTagsAreNamed() throws Exception {
    TbFiles.write(tmp.resolve("events.out.tfevents.1"), pytorch());
    Interchange.ImportReport r =
        Interchange.importAny(
            tmp.resolve("events.out.tfevents.1"),
            "tfevents",
            tmp.resolve("run"),
            ForeignImport.parseTags(List.of("loss=Accuracy/train", "val_loss=", "lr=")),
            false);
    assertEquals(1, r.imported(), "Accuracy/train is logged at step 2 only");
    Observation o = observations(r.run()).get(0);
    assertEquals(2, o.step());
    assertEquals(f(0.5), o.loss(), 0.0);
    assertTrue(Double.isNaN(o.lr()), "lr mapped to nothing");
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () ->
                Interchange.importAny(
                    tmp.resolve("events.out.tfevents.1"),
                    "tfevents",
                    tmp.resolve("x"),
                    ForeignImport.parseTags(List.of("loss=train/loss")),
                    false));
    assertEquals(
        tmp.resolve("events.out.tfevents.1")
            + " has no scalar tag 'train/loss' (--tag loss=train/loss); its scalar tags:"
            + " Accuracy/train, Loss/train, Loss/val, grad_norm, lr",
        e.getMessage());
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class, () -> ForeignImport.parseTags(List.of("los=x")));
    assertTrue(bad.getMessage().startsWith("--tag column must be one of [loss, grad_norm"));
    assertFalse(Files.exists(tmp.resolve("x")));
    // an explicit mapping wins over a default: grad_norm's only default is taken, so it has none
    Interchange.ImportReport v =
        Interchange.importAny(
            tmp.resolve("events.out.tfevents.1"),
            "tfevents",
            tmp.resolve("v"),
            ForeignImport.parseTags(List.of("val_loss=grad_norm")),
            false);
    assertEquals(Map.of("loss", "Loss/train", "lr", "lr", "val_loss", "grad_norm"), v.tags());
    assertEquals(2 + 3, observations(v.run()).get(3).valLoss(), 0.0);
  }

  @Test
  void aPytorchRestartIsABadRecordUnlessStepBackIsARestart() throws Exception {
    TbFiles.write(tmp.resolve("logs/events.out.tfevents.1767225600.host.1.0"), pytorch());
    // the resumed writer: a new file, steps 3 and 4 again, no SessionLog.START
    List<Event> again = new ArrayList<>();
    again.add(version("brain.Event:2"));
    again.add(simple(3, "Loss/train", 0.3f));
    again.add(simple(3, "lr", 0.02f));
    again.add(simple(4, "Loss/train", 0.2f));
    Path second = TbFiles.write(tmp.resolve("logs/events.out.tfevents.1767229200.host.2.0"), again);
    long offset = TbFiles.offsets(second).get(1);
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () ->
                Interchange.importAny(
                    tmp.resolve("logs"), "auto", tmp.resolve("x"), Map.of(), false));
    assertEquals(
        second
            + " offset "
            + offset
            + ": step 3 of tag 'Loss/train' comes after step 5 with no SessionLog.START in between"
            + " (a restarted writer? TensorBoard shows both; the mapped tags must share one"
            + " increasing step axis) (use --on-error skip to skip bad records)",
        e.getMessage());
    assertFalse(Files.exists(tmp.resolve("x")), "a failed import writes nothing");

    Interchange.ImportReport r =
        Interchange.importAny(
            tmp.resolve("logs"), "auto", tmp.resolve("run"), Map.of(), false, true);
    List<Observation> o = observations(r.run());
    assertEquals(5, o.size(), "steps 0..4: the first attempt's 3..5 discarded");
    assertEquals(f(1.0 / 3), o.get(2).loss(), 0.0);
    assertEquals(f(0.3), o.get(3).loss(), 0.0);
    assertEquals(f(0.02), o.get(3).lr(), 0.0);
    assertEquals(f(0.02), o.get(4).lr(), 0.0);
    assertEquals(f(0.2), o.get(4).loss(), 0.0);
    assertTrue(Double.isNaN(o.get(4).gradNorm()), "the second attempt logged no grad norm");
    // discarded: Loss/train 3,4,5 + grad_norm 3,4,5 + lr 3 + Loss/val 5 = 8
    assertEquals("8", r.run().header().config().get("import.purged"));
  }

  /** TensorFlow 1's restart marker, and brain.Event:1's out-of-order rule, give the same run. */
  @ParameterizedTest
  @ValueSource(strings = {"brain.Event:2", "brain.Event:1"})
  void restartsArePurgedAsTensorBoardPurgesThem(String version) throws Exception {
    List<Event> e = new ArrayList<>();
    e.add(version(version));
    for (int s = 0; s <= 3; s++) {
      e.add(simple(s, "loss", 10 + s));
    }
    if (version.equals("brain.Event:2")) {
      e.add(start(2)); // purges every value at step >= 2 read so far
    }
    e.add(simple(2, "loss", 22)); // version 1: a step below the latest purges loss >= 2
    e.add(simple(3, "loss", 23));
    TbFiles.write(tmp.resolve("events.out.tfevents.5"), e);
    Interchange.ImportReport r =
        Interchange.importAny(
            tmp.resolve("events.out.tfevents.5"), "auto", tmp.resolve("run"), Map.of(), false);
    List<Observation> o = observations(r.run());
    assertEquals(List.of(10.0, 11.0, 22.0, 23.0), o.stream().map(Observation::loss).toList());
    assertEquals("2", r.run().header().config().get("import.purged"));
  }

  @Test
  void kerasTensorBoardCallbackTrainAndValidationRunsMerge() throws Exception {
    List<Event> train = new ArrayList<>();
    train.add(version("brain.Event:2"));
    train.add(kerasText(0));
    List<Event> val = new ArrayList<>();
    val.add(version("brain.Event:2"));
    float[] loss = {0.9f, 0.6f, 0.45f};
    float[] vloss = {0.95f, 0.7f, 0.5f};
    for (int ep = 0; ep < 3; ep++) {
      train.add(keras(ep, "epoch_loss", loss[ep], ep == 0));
      train.add(keras(ep, "epoch_learning_rate", 0.001f, ep == 0));
      val.add(keras(ep, "epoch_loss", vloss[ep], ep == 0));
      val.add(keras(10L * (ep + 1), "evaluation_loss_vs_iterations", vloss[ep], ep == 0));
    }
    TbFiles.write(tmp.resolve("logs/train/events.out.tfevents.1767225600.host.7.0.v2"), train);
    TbFiles.write(tmp.resolve("logs/validation/events.out.tfevents.1767225601.host.7.1.v2"), val);
    Interchange.ImportReport r =
        Interchange.importAny(tmp.resolve("logs"), "auto", tmp.resolve("run"), Map.of(), false);
    assertEquals(
        Map.of(
            "loss", "train/epoch_loss",
            "lr", "train/epoch_learning_rate",
            "val_loss", "validation/epoch_loss"),
        r.tags());
    List<Observation> o = observations(r.run());
    assertEquals(3, o.size());
    for (int ep = 0; ep < 3; ep++) {
      assertEquals(ep, o.get(ep).step());
      assertEquals(loss[ep], o.get(ep).loss(), 0.0);
      assertEquals(vloss[ep], o.get(ep).valLoss(), 0.0);
      assertEquals(0.001f, o.get(ep).lr(), 0.0);
    }
    assertTrue(
        r.warnings().stream().anyMatch(w -> w.startsWith("no tag for grad_norm")),
        r.warnings().toString());
    assertEquals(
        "validation/evaluation_loss_vs_iterations",
        r.run().header().config().get("import.tags.ignored"),
        "the text summary is not a scalar; the iteration-axis tag is not mapped");
    assertEquals("train, validation", r.run().header().config().get("import.runs"));
  }

  @Test
  void doubleTensorsKeepEveryBit() throws Exception {
    List<Event> e =
        List.of(version("brain.Event:2"), pyDouble(0, "loss", 0.1), pyDouble(1, "loss", 1e-300));
    TbFiles.write(tmp.resolve("events.out.tfevents.d"), e);
    List<Observation> o =
        observations(
            Interchange.importAny(
                    tmp.resolve("events.out.tfevents.d"),
                    "auto",
                    tmp.resolve("run"),
                    Map.of(),
                    false)
                .run());
    assertEquals(0.1, o.get(0).loss(), 0.0);
    assertEquals(1e-300, o.get(1).loss(), 0.0);
  }

  /** Builds a three-event file and returns its bytes. */
  byte[] threeEvents() {
    List<Event> e = List.of(version("brain.Event:2"), simple(0, "loss", 1f), simple(1, "loss", 2f));
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    for (Event x : e) {
      b.writeBytes(TbFiles.frame(x.toByteArray()));
    }
    return b.toByteArray();
  }

  @Test
  void damagedRecordsAreOneLineWithFileOffsetAndWhatWasExpected() throws Exception {
    byte[] good = threeEvents();
    Path p = tmp.resolve("events.out.tfevents.x");
    Files.write(p, good);
    List<Long> off = TbFiles.offsets(p);
    // flip a byte inside the data of record 1 (the step-0 loss)
    byte[] bad = good.clone();
    int at = (int) (off.get(1) + 12 + 3);
    bad[at] ^= 0x40;
    Files.write(p, bad);
    int len = (int) (off.get(2) - off.get(1) - 16);
    int want = TfEventsTest.mask(TfEventsTest.crc32c(bad, (int) (off.get(1) + 12), len));
    int found =
        ByteBuffer.wrap(bad, (int) (off.get(1) + 12 + len), 4)
            .order(ByteOrder.LITTLE_ENDIAN)
            .getInt();
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importAny(p, "auto", tmp.resolve("x"), Map.of(), false));
    String line =
        p
            + " offset "
            + off.get(1)
            + ": data CRC mismatch (masked CRC32C "
            + String.format("0x%08x", want)
            + " expected, "
            + String.format("0x%08x", found)
            + " found)";
    assertEquals(line + " (use --on-error skip to skip bad records)", e.getMessage());
    Interchange.ImportReport r = Interchange.importAny(p, "auto", tmp.resolve("r"), Map.of(), true);
    assertEquals(List.of(line), r.badRows());
    assertEquals(1, r.imported(), "the other record is read");

    // the length's CRC: the next record cannot be found, the read ends
    bad = good.clone();
    bad[(int) (off.get(2) + 9)] ^= 1;
    Files.write(p, bad);
    e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importAny(p, "auto", tmp.resolve("y"), Map.of(), true));
    assertTrue(
        e.getMessage().startsWith(p + " offset " + off.get(2) + ": not a TFRecord (the length's"),
        e.getMessage());
    assertFalse(e.getMessage().contains("\n"));

    // a torn tail: the last record cut short, read up to the complete ones
    Files.write(p, java.util.Arrays.copyOf(good, good.length - 3));
    r = Interchange.importAny(p, "auto", tmp.resolve("t"), Map.of(), false);
    assertEquals(1, r.imported());
    assertEquals(
        List.of(
            p
                + " offset "
                + off.get(2)
                + ": torn tail ("
                + (good.length - off.get(2) - 12)
                + " bytes of data and CRC expected, "
                + (good.length - off.get(2) - 15)
                + " found): read up to the last complete record"),
        r.warnings().subList(0, 1));

    // not an event file at all
    byte[] junk = new byte[100];
    new java.util.Random(5).nextBytes(junk);
    Files.write(p, junk);
    e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importAny(p, "tfevents", tmp.resolve("z"), Map.of(), true));
    assertTrue(e.getMessage().startsWith(p + " offset 0: not a TFRecord"), e.getMessage());
  }

  /** An event at {@code step} whose {@code loss} value is {@code tensor} of the scalars plugin. */
  private static Event lossTensor(long step, TensorProto tensor) {
    return Event.newBuilder()
        .setWallTime(T0)
        .setStep(step)
        .setSummary(
            Summary.newBuilder()
                .addValue(
                    Summary.Value.newBuilder()
                        .setTag("loss")
                        .setTensor(tensor)
                        .setMetadata(scalarsPlugin(true))))
        .build();
  }

  /**
   * A one-element numeric tensor whose data do not fit its type is a bad record that says what was
   * expected: DT_FLOAT (dtype 1) needs 4 bytes of tensor_content (3 given), and without
   * tensor_content exactly one typed value (two float_val given).
   */
  @Test
  void aOneElementTensorWhoseDataDoNotFitItsTypeIsABadRecord() throws Exception {
    TensorProto shortContent =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(TensorShapeProto.newBuilder())
            .setTensorContent(ByteString.copyFrom(new byte[] {0, 0, (byte) 0x80}))
            .build();
    TensorProto twoValues =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(TensorShapeProto.newBuilder())
            .addFloatVal(1)
            .addFloatVal(2)
            .build();
    String[] expected = {
      "4 bytes of tensor_content were expected, but 3 were found",
      "one value (tensor_content or a typed value field) was expected, but 2 were found"
    };
    TensorProto[] tensors = {shortContent, twoValues};
    for (int i = 0; i < tensors.length; i++) {
      Event bad = lossTensor(1, tensors[i]);
      Path p =
          TbFiles.write(
              tmp.resolve("events.out.tfevents.fit" + i),
              List.of(version("brain.Event:2"), simple(0, "loss", 1), bad, simple(2, "loss", 3)));
      long off = TbFiles.offsets(p).get(2);
      Path run = tmp.resolve("fit" + i);
      TelemetryException e =
          assertThrows(
              TelemetryException.class,
              () -> Interchange.importAny(p, "auto", run, Map.of(), false));
      assertEquals(
          p
              + " offset "
              + off
              + ": tag 'loss' is a one-element tensor of dtype 1, so "
              + expected[i]
              + " (use --on-error skip to skip bad records)",
          e.getMessage());
    }
  }

  @Test
  void aScalarsPluginTensorThatIsNotOneNumberIsAnUnknownEncoding() throws Exception {
    Event two =
        lossTensor(
            1,
            TensorProto.newBuilder()
                .setDtype(DataType.DT_FLOAT)
                .setTensorShape(
                    TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dim.newBuilder().setSize(2)))
                .addFloatVal(1)
                .addFloatVal(2)
                .build());
    Path p =
        TbFiles.write(
            tmp.resolve("events.out.tfevents.u"),
            List.of(version("brain.Event:2"), simple(0, "loss", 1), two, simple(2, "loss", 3)));
    long off = TbFiles.offsets(p).get(2);
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importAny(p, "auto", tmp.resolve("x"), Map.of(), false));
    assertEquals(
        p
            + " offset "
            + off
            + ": tag 'loss' belongs to the scalars plugin, but holds a tensor that is not one"
            + " numeric element (use --on-error skip to skip bad records)",
        e.getMessage());
  }

  /*
   * Lightning's CSVLogger (_ExperimentWriter.save): csv.DictWriter with fieldnames = the keys of
   * all records in order of first appearance ("step" added to each record after its metrics),
   * rows as logged (empty where a record lacks a key), values from Tensor.item() (Python floats
   * of float32: repr(float(np.float32(0.6))) = '0.6000000238418579'). Records: the
   * LearningRateMonitor's {lr-Adam, step} at steps 0 and 2, training {train_loss, epoch, step} at
   * 0..3, validation {val_loss, epoch, step} at step 3.
   */
  static final List<String> LIGHTNING =
      List.of(
          "lr-Adam,step,train_loss,epoch,val_loss",
          "0.001,0,,,",
          ",0,0.6931471824645996,0,",
          ",1,0.6000000238418579,0,",
          "0.0005,2,,,",
          ",2,0.5,1,",
          ",3,0.4000000059604645,1,",
          ",3,,1,0.44999998807907104");

  @ParameterizedTest
  @ValueSource(strings = {"auto", "csv", "lightning-csv"})
  void lightningCsvLoggerIsRecognisedByItsHeader(String format) throws Exception {
    Path p = tmp.resolve("metrics.csv");
    Files.write(p, LIGHTNING);
    Interchange.ImportReport r =
        Interchange.importAny(p, format, tmp.resolve("run"), Map.of(), false);
    assertEquals("lightning-csv", r.run().header().config().get("import.format"));
    assertEquals(
        Map.of("loss", "train_loss", "lr", "lr-Adam", "epoch", "epoch", "val_loss", "val_loss"),
        r.tags());
    List<Observation> o = observations(r.run());
    assertEquals(4, o.size());
    double[] loss = {0.6931471824645996, 0.6000000238418579, 0.5, 0.4000000059604645};
    double[] lr = {0.001, 0.001, 0.0005, 0.0005};
    int[] epoch = {0, 0, 1, 1};
    for (int s = 0; s < 4; s++) {
      assertEquals(s, o.get(s).step());
      assertEquals(loss[s], o.get(s).loss(), 0.0);
      assertEquals(lr[s], o.get(s).lr(), 0.0);
      assertEquals(epoch[s], o.get(s).epoch());
      assertEquals(s == 3 ? 0.44999998807907104 : Double.NaN, o.get(s).valLoss(), 0.0);
    }
  }

  /*
   * Keras' CSVLogger (on_epoch_end): fieldnames ["epoch"] + sorted(logs), one row per epoch, the
   * epoch 0-based; floats as Python writes them (float32 learning rate 0.001 ->
   * '0.0010000000474974513').
   */
  @Test
  void kerasCsvLoggerUsesTheEpochAsTheStep() throws Exception {
    Path p = tmp.resolve("training.log");
    Files.write(
        p,
        List.of(
            "epoch,learning_rate,loss,val_loss",
            "0,0.0010000000474974513,0.6931471824645996,0.6000000238418579",
            "1,0.0010000000474974513,0.5,0.44999998807907104"));
    Interchange.ImportReport r =
        Interchange.importAny(p, "auto", tmp.resolve("run"), Map.of(), false);
    assertEquals("keras-csv", r.run().header().config().get("import.format"));
    List<Observation> o = observations(r.run());
    assertEquals(2, o.size());
    assertEquals(1, o.get(1).step());
    assertEquals(1, o.get(1).epoch());
    assertEquals(0.0010000000474974513, o.get(1).lr(), 0.0);
    assertEquals(0.5, o.get(1).loss(), 0.0);
    assertEquals(0.44999998807907104, o.get(1).valLoss(), 0.0);
  }

  @Test
  void csvLoggerBadRowsNameTheLine() throws Exception {
    List<String> l = new ArrayList<>(LIGHTNING);
    l.set(3, ",1,abc,0,");
    l.add(",2,0.1,1,");
    Path p = tmp.resolve("metrics.csv");
    Files.write(p, l);
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importAny(p, "auto", tmp.resolve("x"), Map.of(), false));
    assertEquals(
        p
            + " line 4: train_loss must be a number, but was 'abc' (use --on-error skip to skip bad"
            + " records)",
        e.getMessage());
    Interchange.ImportReport r = Interchange.importAny(p, "auto", tmp.resolve("r"), Map.of(), true);
    assertEquals(
        List.of(
            p + " line 4: train_loss must be a number, but was 'abc'",
            p + " line 9: step 2 comes after 3; the steps must not decrease"),
        r.badRows());
    assertEquals(3, r.imported());
  }

  @Test
  void anInputWithoutALossValueIsRefusedAndNothingIsWritten() throws Exception {
    // a Keras log whose loss column is empty in every row
    Path csv = tmp.resolve("training.log");
    Files.write(csv, List.of("epoch,loss,val_loss", "0,,0.6", "1,,0.5"));
    TelemetryException e =
        assertThrows(
            TelemetryException.class,
            () -> Interchange.importAny(csv, "auto", tmp.resolve("c"), Map.of(), false));
    assertEquals(csv + " has no rows with a value in column 'loss' (loss)", e.getMessage());
    assertFalse(Files.exists(tmp.resolve("c")));
  }

  @Test
  void guardTagsBecomeEvents() throws Exception {
    Path p =
        TbFiles.write(
            tmp.resolve("events.out.tfevents.g"),
            List.of(
                version("brain.Event:2"),
                simple(0, "loss", 1),
                simple(1, "loss", 2),
                simple(1, "guard/skip", 1),
                simple(2, "guard/rollback", 1),
                simple(3, "loss", 3)));
    RunFolder run = Interchange.importAny(p, "auto", tmp.resolve("run"), Map.of(), false).run();
    assertEquals(
        List.of(new Event2(EventKind.SKIP, 1), new Event2(EventKind.ROLLBACK, 2)), events(run));
    assertEquals(3, observations(run).size());
  }
}
