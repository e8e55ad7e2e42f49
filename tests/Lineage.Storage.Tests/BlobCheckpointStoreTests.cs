using System.Text;
using Azure.Storage.Blobs;

namespace Lineage.Storage.Tests;

[Collection(AzuriteCollection.Name)]
public class BlobCheckpointStoreTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task LoadLatest_NoCheckpoints_ReturnsNull()
    {
        var (store, _) = await NewStoreAsync();

        Assert.Null(await store.LoadLatestAsync(Decode));
    }

    [Fact]
    public async Task LoadLatest_ReturnsNewestSaved_WithoutWarnings()
    {
        var (store, _) = await NewStoreAsync();
        await store.SaveAsync(1, Encode("one"));
        await store.SaveAsync(2, Encode("two"));

        var loaded = await store.LoadLatestAsync(Decode);

        Assert.NotNull(loaded);
        Assert.Equal("two", loaded.Value.Value);
        Assert.Equal(2, loaded.Value.Ref.Update);
        Assert.Empty(loaded.Value.Warnings);
    }

    [Fact]
    public async Task LatestPointer_NeverMovesBackwards()
    {
        var (store, _) = await NewStoreAsync();
        await store.SaveAsync(5, Encode("five"));
        await store.SaveAsync(3, Encode("three"));

        var loaded = await store.LoadLatestAsync(Decode);

        Assert.Equal("five", loaded!.Value.Value);
    }

    [Fact]
    public async Task CorruptBytes_FallBackToPrevious_WithWarning()
    {
        var (store, container) = await NewStoreAsync();
        await store.SaveAsync(1, Encode("one"));
        await store.SaveAsync(2, Encode("two"));
        await container.GetBlobClient(store.CheckpointBlobName(2)).UploadAsync(BinaryData.FromString("garbage"), overwrite: true);

        var loaded = await store.LoadLatestAsync(Decode);

        Assert.Equal("one", loaded!.Value.Value);
        var warning = Assert.Single(loaded.Value.Warnings);
        Assert.Contains("0000000002.ckpt", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecoderRejection_FallsBackToPrevious_WithWarning()
    {
        var (store, _) = await NewStoreAsync();
        await store.SaveAsync(1, Encode("one"));
        await store.SaveAsync(2, Encode("BAD"));

        var loaded = await store.LoadLatestAsync(Decode);

        Assert.Equal("one", loaded!.Value.Value);
        Assert.Contains("failed to decode", Assert.Single(loaded.Value.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingLatestCheckpoint_FallsBackToPrevious_WithWarning()
    {
        var (store, container) = await NewStoreAsync();
        await store.SaveAsync(1, Encode("one"));
        await store.SaveAsync(2, Encode("two"));
        await container.GetBlobClient(store.CheckpointBlobName(2)).DeleteAsync();

        var loaded = await store.LoadLatestAsync(Decode);

        Assert.Equal("one", loaded!.Value.Value);
        Assert.Contains("missing", Assert.Single(loaded.Value.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingPointer_UsesNewestListed_WithWarning()
    {
        var (store, container) = await NewStoreAsync();
        await store.SaveAsync(1, Encode("one"));
        await store.SaveAsync(2, Encode("two"));
        await container.GetBlobClient(store.LatestBlobName).DeleteAsync();

        var loaded = await store.LoadLatestAsync(Decode);

        Assert.Equal("two", loaded!.Value.Value);
        Assert.Contains("pointer", Assert.Single(loaded.Value.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadablePointer_UsesNewestListed_WithWarning()
    {
        var (store, container) = await NewStoreAsync();
        await store.SaveAsync(1, Encode("one"));
        await container.GetBlobClient(store.LatestBlobName).UploadAsync(BinaryData.FromString("{not json"), overwrite: true);

        var loaded = await store.LoadLatestAsync(Decode);

        Assert.Equal("one", loaded!.Value.Value);
        Assert.Contains("not valid JSON", Assert.Single(loaded.Value.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllCorrupt_Throws_ListingEachFailure()
    {
        var (store, _) = await NewStoreAsync();
        await store.SaveAsync(1, Encode("BAD"));
        await store.SaveAsync(2, Encode("BAD"));

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => store.LoadLatestAsync(Decode));

        Assert.Contains("0000000001.ckpt", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0000000002.ckpt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_KeepsLastKAndTheBestScored()
    {
        var (store, _) = await NewStoreAsync(keep: 3);
        for (var update = 1; update <= 4; update++)
        {
            await store.SaveAsync(update, Encode($"u{update}"));
            await store.RecordScoreAsync(update, update == 2 ? 10.0 : 1.0);
        }

        for (var update = 5; update <= 8; update++)
        {
            await store.SaveAsync(update, Encode($"u{update}"));
        }

        var listed = await store.ListAsync();

        Assert.Equal([2L, 6L, 7L, 8L], listed.Select(c => c.Update));
        Assert.Equal(10.0, listed[0].ValidationScore);
        Assert.Equal(2, (await store.GetBestAsync())!.Update);
    }

    [Fact]
    public async Task Retention_never_deletes_a_protected_checkpoint_that_is_neither_new_nor_the_best_ever()
    {
        // A nightly run: an earlier night's best (update 1, score 10) outranks this orchestration's selected
        // checkpoint (update 2, score 3); five newer checkpoints follow. The orchestration will test and promote 2.
        var (store, _) = await NewStoreAsync(keep: 5);
        await store.SaveAsync(1, Encode("u1"));
        await store.RecordScoreAsync(1, 10.0);
        await store.SaveAsync(2, Encode("u2"));
        await store.RecordScoreAsync(2, 3.0, protect: [2]);
        for (var update = 3; update <= 8; update++)
        {
            await store.SaveAsync(update, Encode($"u{update}"), protect: [2]);
            await store.RecordScoreAsync(update, 1.0, protect: [2]);
        }

        Assert.Equal([1L, 2L, 4L, 5L, 6L, 7L, 8L], (await store.ListAsync()).Select(c => c.Update));
    }

    [Fact]
    public async Task Retention_without_protection_deletes_an_early_selected_checkpoint_below_the_best_ever()
    {
        // The same history without protection: the defect the orchestration's protection closes.
        var (store, _) = await NewStoreAsync(keep: 5);
        await store.SaveAsync(1, Encode("u1"));
        await store.RecordScoreAsync(1, 10.0);
        await store.SaveAsync(2, Encode("u2"));
        await store.RecordScoreAsync(2, 3.0);
        for (var update = 3; update <= 8; update++)
        {
            await store.SaveAsync(update, Encode($"u{update}"));
        }

        Assert.DoesNotContain(2L, (await store.ListAsync()).Select(c => c.Update));
    }

    [Fact]
    public async Task RecordScore_ForMissingCheckpoint_Throws()
    {
        var (store, _) = await NewStoreAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.RecordScoreAsync(42, 1.0));

        Assert.Contains("0000000042.ckpt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_ReturnsRefWithSizeAndHash()
    {
        var (store, _) = await NewStoreAsync();
        var data = Encode("payload");

        var saved = await store.SaveAsync(7, data);

        Assert.Equal(new CheckpointRef(7, "0000000007.ckpt", data.Length, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), null), saved);
    }

    private static byte[] Encode(string text) => Encoding.UTF8.GetBytes("CKPT" + text);

    /// <summary>Stands in for the learner's codec: rejects bytes it does not recognise with InvalidDataException.</summary>
    private static string Decode(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        return text.StartsWith("CKPT", StringComparison.Ordinal) && !text.EndsWith("BAD", StringComparison.Ordinal)
            ? text[4..]
            : throw new InvalidDataException($"Not a checkpoint: '{text}'.");
    }

    private async Task<(BlobCheckpointStore Store, BlobContainerClient Container)> NewStoreAsync(int keep = 5)
    {
        var container = await azurite.NewContainerAsync();
        return (new BlobCheckpointStore(container, RunId.Parse("ckpt-run"), keep), container);
    }
}
