from django.http import HttpResponse


def board(request):
    return HttpResponse("")
