using System.Text;
using Hyperproxy.Location.Redis.Resp;

namespace Hyperproxy.Location.Tests;

/// <summary>The RESP2 reply parser of the worker's own connection: every reply type, replies cut anywhere, and what is not RESP.</summary>
public sealed class RespParserTests
{
    private static RespParse Parse(string text, out RespType type, out long integer, out string bytes, out int consumed)
    {
        byte[] data = Encoding.ASCII.GetBytes(text);
        RespParse result = RespParser.Parse(data, out type, out integer, out int start, out int length, out consumed, out _);
        bytes = result == RespParse.Complete ? Encoding.ASCII.GetString(data, start, length) : "";
        return result;
    }

    [Theory]
    [InlineData("+OK\r\n", "Simple", 0, "OK")]
    [InlineData("-NOSCRIPT No matching script\r\n", "Error", 0, "NOSCRIPT No matching script")]
    [InlineData(":1\r\n", "Integer", 1, "")]
    [InlineData(":-42\r\n", "Integer", -42, "")]
    [InlineData("$3\r\nabc\r\n", "Bulk", 0, "abc")]
    [InlineData("$0\r\n\r\n", "Bulk", 0, "")]
    [InlineData("$4\r\na\r\nb\r\n", "Bulk", 0, "a\r\nb")]
    [InlineData("$-1\r\n", "Null", 0, "")]
    [InlineData("*-1\r\n", "Null", 0, "")]
    [InlineData("*2\r\n$1\r\na\r\n*1\r\n:5\r\n", "Array", 2, "")]
    public void EachReplyTypeIsParsedWhole(string text, string type, long integer, string bytes)
    {
        Assert.Equal(RespParse.Complete, Parse(text + "+next\r\n", out RespType t, out long i, out string b, out int consumed));
        Assert.Equal((type, integer, bytes, text.Length), (t.ToString(), i, b, consumed));
    }

    [Theory]
    [InlineData("$3\r\nabc\r\n")]
    [InlineData("*2\r\n$1\r\na\r\n:5\r\n")]
    [InlineData("-ERR something\r\n")]
    public void AReplyCutAnywhereIsIncomplete(string text)
    {
        for (int cut = 0; cut < text.Length; cut++)
        {
            Assert.Equal(RespParse.Incomplete, Parse(text[..cut], out _, out _, out _, out _));
        }
    }

    [Theory]
    [InlineData("?x\r\n")]
    [InlineData("+OK\n")]
    [InlineData(":1.5\r\n")]
    [InlineData("$3\r\nabcd\r\n")]
    [InlineData("$-2\r\n")]
    [InlineData("$x\r\n")]
    [InlineData("*1\r\n!\r\n")]
    public void WhatIsNotRespIsGarbage(string text) => Assert.Equal(RespParse.Garbage, Parse(text, out _, out _, out _, out _));

    [Fact]
    public void ArraysNestedTooDeepAreGarbageNotARecursionWithoutEnd()
    {
        string deep = string.Concat(Enumerable.Repeat("*1\r\n", 50)) + ":1\r\n";
        Assert.Equal(RespParse.Garbage, Parse(deep, out _, out _, out _, out _));
        string fine = string.Concat(Enumerable.Repeat("*1\r\n", 4)) + ":1\r\n";
        Assert.Equal(RespParse.Complete, Parse(fine, out _, out _, out _, out _));
    }

    [Fact]
    public void ABulkLongerThanTheDataSaysHowMuchItNeeds()
    {
        byte[] data = Encoding.ASCII.GetBytes("$10\r\nabc");
        Assert.Equal(RespParse.Incomplete, RespParser.Parse(data, out _, out _, out _, out _, out _, out int needed));
        Assert.Equal(5 + 10 + 2, needed);
    }
}
