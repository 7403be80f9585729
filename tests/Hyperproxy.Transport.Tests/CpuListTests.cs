namespace Hyperproxy.Transport.Tests;

public class CpuListTests
{
    [Theory]
    [InlineData("0", new[] { 0 })]
    [InlineData("0,2-3", new[] { 0, 2, 3 })]
    [InlineData("3,1", new[] { 1, 3 })]
    [InlineData(" 4-5 , 0 ", new[] { 0, 4, 5 })]
    [InlineData("7-7", new[] { 7 })]
    [InlineData("1023", new[] { 1023 })]
    public void ParseReadsNumbersAndRanges(string text, int[] expected)
    {
        Assert.Equal(expected, CpuList.Parse(text));
    }

    [Theory]
    [InlineData("", "--cpus '': empty; expected a list such as 0,2-3")]
    [InlineData("0,,1", "--cpus '0,,1': empty item between commas")]
    [InlineData("0,x", "--cpus '0,x': 'x' is not a CPU number or range (expected N or N-M)")]
    [InlineData("1-", "--cpus '1-': not a CPU number or range (expected N, N-M or a list such as 0,2-3)")]
    [InlineData("-1", "--cpus '-1': not a CPU number or range (expected N, N-M or a list such as 0,2-3)")]
    [InlineData("1-2-3", "--cpus '1-2-3': not a CPU number or range (expected N, N-M or a list such as 0,2-3)")]
    [InlineData("0,1-2-3", "--cpus '0,1-2-3': '1-2-3' is not a CPU number or range (expected N or N-M)")]
    [InlineData("3-1", "--cpus '3-1': range 3-1 runs backwards; write 1-3")]
    [InlineData("0,0", "--cpus '0,0': CPU 0 is listed twice")]
    [InlineData("0-2,1", "--cpus '0-2,1': CPU 1 is listed twice")]
    [InlineData("1024", "--cpus '1024': CPU 1024 is out of range (0-1023)")]
    public void ParseExplainsWhatIsWrong(string text, string message)
    {
        Assert.False(CpuList.TryParse(text, out _, out string? error));
        Assert.Equal(message, error);
        Assert.Equal(message, Assert.Throws<TransportException>(() => CpuList.Parse(text)).Message);
    }

    [Theory]
    [InlineData(new[] { 0, 1 }, "0-1")]
    [InlineData(new[] { 0, 2, 3, 4, 7 }, "0,2-4,7")]
    [InlineData(new[] { 5 }, "5")]
    [InlineData(new int[0], "")]
    public void FormatWritesTheKernelForm(int[] cpus, string expected)
    {
        Assert.Equal(expected, CpuList.Format(cpus));
    }

    [Fact]
    public void AssignWorkersUsesTheListedCpusInOrder()
    {
        Assert.Equal([2, 3], CpuList.AssignWorkers(2, [2, 3], [0, 1, 2, 3]));
        Assert.Equal([0], CpuList.AssignWorkers(1, null, [0, 1]));
        Assert.Equal([0, 1], CpuList.AssignWorkers(2, null, [0, 1]));
    }

    [Fact]
    public void AssignWorkersRejectsACpuThatIsNotPresent()
    {
        TransportException e = Assert.Throws<TransportException>(() => CpuList.AssignWorkers(1, [7], [0, 1]));
        Assert.Equal("CPU 7 is not present (available: 0-1)", e.Message);
    }

    [Fact]
    public void AssignWorkersRejectsMoreWorkersThanCpus()
    {
        TransportException e = Assert.Throws<TransportException>(() => CpuList.AssignWorkers(3, [0, 1], [0, 1]));
        Assert.Equal("3 workers but only 2 CPUs to pin them to (0-1); lower --workers or list more CPUs in --cpus", e.Message);
        e = Assert.Throws<TransportException>(() => CpuList.AssignWorkers(2, null, [4]));
        Assert.Equal("2 workers but only 1 CPU to pin them to (4); lower --workers or list more CPUs in --cpus", e.Message);
    }

    [Fact]
    public void AssignWorkersRejectsZeroWorkers()
    {
        Assert.Equal("--workers 0: at least one worker is needed",
            Assert.Throws<TransportException>(() => CpuList.AssignWorkers(0, null, [0])).Message);
    }

    [Fact]
    public void AvailableCpusIncludesTheCpusThisProcessMayUse()
    {
        int[] cpus = CpuAffinity.AvailableCpus();
        Assert.NotEmpty(cpus);
        Assert.True(cpus.Length <= Environment.ProcessorCount);
        Assert.Equal(cpus.Order().ToArray(), cpus);
    }

    [Fact]
    public void PinningToAnAbsentCpuSaysWhichCpusArePresent()
    {
        int[] available = CpuAffinity.AvailableCpus();
        int absent = available[^1] + 1;
        TransportException? error = null;
        var pinThread = new Thread(() =>
        {
            try
            {
                CpuAffinity.PinCurrentThread(absent);
            }
            catch (TransportException e)
            {
                error = e;
            }
        });
        pinThread.Start();
        Assert.True(pinThread.Join(TimeSpan.FromSeconds(5)));
        if (CpuAffinity.IsSupported)
        {
            Assert.NotNull(error);
            Assert.Equal($"CPU {absent} is not present (available: {CpuList.Format(available)})", error.Message);
        }
    }
}
