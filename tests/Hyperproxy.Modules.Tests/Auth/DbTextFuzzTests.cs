using Hyperproxy.Modules.DbText;

namespace Hyperproxy.Modules.Tests.Auth;

/// <summary>Mutated db_text files (bounded count): loading either succeeds or throws <see cref="DbTextException"/> naming file:line, nothing else.</summary>
public sealed class DbTextFuzzTests
{
    private static readonly byte[] s_tokens = ":\\\n\r()\0, "u8.ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MutatedTablesLoadOrFailWithFileAndLine(int seed)
    {
        byte[] original = System.Text.Encoding.UTF8.GetBytes(AuthRig.SubscriberFile() + ":carol:example.com:p\\:w:h:s:x\n");
        var rng = new Random(seed);
        var buffer = new byte[original.Length + 16];
        int loaded = 0;
        for (int i = 0; i < 5000; i++)
        {
            original.CopyTo(buffer, 0);
            int length = original.Length;
            for (int k = rng.Next(1, 4); k > 0; k--)
            {
                int pos = rng.Next(length);
                buffer[pos] = rng.Next(2) == 0 ? s_tokens[rng.Next(s_tokens.Length)] : (byte)rng.Next(256);
                if (rng.Next(8) == 0)
                {
                    length = pos;
                }
            }

            try
            {
                DbTextTable t = DbTextTable.Parse("subscriber", "/db/subscriber", buffer.AsSpan(0, length));
                for (int r = 0; r < t.RowCount; r++)
                {
                    for (int c = 0; c < t.Columns.Count; c++)
                    {
                        _ = t.Field(r, c);
                    }
                }

                loaded++;
            }
            catch (DbTextException e)
            {
                Assert.StartsWith("/db/subscriber", e.Message);
            }
        }

        Assert.True(loaded > 0);
    }
}
