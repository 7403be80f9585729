namespace Hyperproxy.Location.Tests;

public class ByteSizeTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("65536", 65536L)]
    [InlineData("64K", 64L << 10)]
    [InlineData("64k", 64L << 10)]
    [InlineData("64M", 64L << 20)]
    [InlineData("64MB", 64L << 20)]
    [InlineData("64MiB", 64L << 20)]
    [InlineData(" 2G ", 2L << 30)]
    [InlineData("100B", 100L)]
    public void ParsesBytesAndBinaryUnits(string text, long bytes)
    {
        Assert.True(ByteSize.TryParse(text, out long parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("M")]
    [InlineData("-1")]
    [InlineData("1.5M")]
    [InlineData("64X")]
    [InlineData("64iB")]
    [InlineData("64 M")]
    [InlineData("99999999999G")]
    [InlineData("9999999999999999999")]
    public void RejectsWhatIsNotASize(string text) => Assert.False(ByteSize.TryParse(text, out _));

    [Theory]
    [InlineData(64L << 20, "64M")]
    [InlineData(1L << 30, "1G")]
    [InlineData(1536L << 10, "1536K")]
    [InlineData(1000L, "1000")]
    [InlineData(0L, "0")]
    public void FormatsTheShortestExactForm(long bytes, string text) => Assert.Equal(text, ByteSize.Format(bytes));

    [Theory]
    [InlineData("0", true)]
    [InlineData("1M", true)]
    [InlineData("1023K", false)]
    [InlineData("4096", false)]
    public void CheckpointWalSizeIsZeroOrAtLeastOneMegabyte(string text, bool accepted)
    {
        Assert.Equal(accepted, LocationStoreOptions.TryParseCheckpointWalBytes(text, out _, out string error));
        Assert.Equal(accepted, error.Length == 0);
    }
}
